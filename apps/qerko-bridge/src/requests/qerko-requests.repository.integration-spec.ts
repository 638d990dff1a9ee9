import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { QerkoRequestPartitions } from './qerko-request-partitions';
import { QerkoRequestsRepository } from './qerko-requests.repository';

/** One request per uuid of a source, on the partitioned table, with instances racing. */
describe('QerkoRequestsRepository on PostgreSQL', () => {
  const dbs: DataSource[] = [];
  const tenant = `ten_qrq_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      dbs.push(await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 4 })).initialize());
    }
    await dbs[0]!.query(`INSERT INTO tenants (id, name) VALUES ($1, 'qerko requests')`, [tenant]);
  });
  afterAll(async () => {
    await dbs[0]?.query(`DELETE FROM tenants WHERE id = $1`, [tenant]);
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  const request = (uuid: string, n: number) => ({
    id: `qrq_race_${uuid.slice(0, 8)}_${n}`,
    tenantId: tenant,
    sourceId: 'src_qrq_race',
    uuid,
    method: 'getBill',
    args: [],
    eventId: `evt_race_${n}`,
    staleAfterMs: 15_000,
  });

  it('takes one request per uuid of a source when three instances receive it at once, ten times over', async () => {
    // One repository (and partition set) per instance, as three bridges have.
    const repositories = dbs.map((db) => new QerkoRequestsRepository(db, new QerkoRequestPartitions(db)));
    for (let round = 0; round < 10; round++) {
      const uuid = randomUUID();
      const created = await Promise.all(repositories.map((r, n) => r.create(request(uuid, n))));
      expect(created.filter((id) => id !== null)).toHaveLength(1);
      const [row] = await dbs[0]!.query(`SELECT count(*)::int AS n FROM qerko_requests WHERE uuid = $1`, [uuid]);
      expect(row.n).toBe(1);
    }
  });

  it('refuses a uuid the source sent before, and takes the same uuid from another source', async () => {
    const repository = new QerkoRequestsRepository(dbs[0]!, new QerkoRequestPartitions(dbs[0]!));
    const uuid = randomUUID();
    expect(await repository.create(request(uuid, 1))).toBe(`qrq_race_${uuid.slice(0, 8)}_1`);
    expect(await repository.create(request(uuid, 2))).toBeNull();
    expect(await repository.create({ ...request(uuid, 3), sourceId: 'src_qrq_other' })).not.toBeNull();
  });

  it('ends the requests past their deadline and leaves the others pending', async () => {
    const repository = new QerkoRequestsRepository(dbs[0]!, new QerkoRequestPartitions(dbs[0]!));
    const late = await repository.create({ ...request(randomUUID(), 1), staleAfterMs: 0 });
    const waiting = await repository.create(request(randomUUID(), 2));
    await repository.expire();
    const states: Array<{ id: string; state: string; failure_reason: string | null }> = await dbs[0]!.query(
      `SELECT id, state, failure_reason FROM qerko_requests WHERE id = ANY($1::varchar[])`,
      [[late, waiting]],
    );
    expect(Object.fromEntries(states.map(({ id, ...rest }) => [id, rest]))).toEqual({
      [late!]: { state: 'stale', failure_reason: 'the POS did not answer within the deadline' },
      [waiting!]: { state: 'pending', failure_reason: null },
    });
  });
});
