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

  it('closes the sync window with an offered answer on the terms storeAnswer keeps, and the record comes too late', async () => {
    const repository = new QerkoRequestsRepository(dbs[0]!, new QerkoRequestPartitions(dbs[0]!));
    const timeline = async (id: string) =>
      (
        (await dbs[0]!.query(`SELECT timeline FROM qerko_requests WHERE id = $1`, [id]))[0].timeline as Array<{
          what: string;
          detail?: string;
        }>
      ).map((t) => (t.detail ? `${t.what} (${t.detail})` : t.what));
    const via = async (id: string) =>
      (
        (await dbs[0]!.query(`SELECT answered_via FROM qerko_requests WHERE id = $1`, [id]))[0] as {
          answered_via: string;
        }
      ).answered_via;

    // Offered while nothing is stored: stored with it, answered 200.
    const offeredUuid = randomUUID();
    const offered = (await repository.create(request(offeredUuid, 1)))!;
    expect(await repository.closeSync(offered, { result: { bill: 'offered' } })).toEqual({
      state: 'answered_sync',
      answer: { result: { bill: 'offered' } },
    });
    expect(await timeline(offered)).toEqual([
      'received',
      'answered by the POS (sync-response)',
      'answered to Qerko synchronously (200)',
    ]);
    expect(await via(offered)).toBe('sync-response');
    // The same answer's record, consumed after: nothing left to take.
    expect(
      await repository.storeAnswer(tenant, offeredUuid, { result: { bill: 'record' } }, 'sync-response'),
    ).toBeNull();

    // Stored first (through /v1/qerko/replies): the stored answer stands, the offer is not taken.
    const storedUuid = randomUUID();
    const stored = (await repository.create(request(storedUuid, 2)))!;
    expect(await repository.storeAnswer(tenant, storedUuid, { result: { bill: 'api' } }, 'reply-api')).not.toBeNull();
    expect(await repository.closeSync(stored, { result: { bill: 'offered' } })).toEqual({
      state: 'answered_sync',
      answer: { result: { bill: 'api' } },
    });
    expect(await via(stored)).toBe('reply-api');

    // Offered for a request past its deadline: not taken, as storeAnswer would not; nothing offered: 202's way.
    const late = (await repository.create({ ...request(randomUUID(), 3), staleAfterMs: 0 }))!;
    expect(await repository.closeSync(late, { result: { bill: 'late' } })).toEqual({ state: 'pending', answer: null });
    const unanswered = (await repository.create(request(randomUUID(), 4)))!;
    expect(await repository.closeSync(unanswered)).toEqual({ state: 'pending', answer: null });
    expect(await timeline(unanswered)).toEqual(['received', 'answered 202: the answer will go to /reply']);
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
