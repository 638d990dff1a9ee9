import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { QerkoBridgeConfig } from '../qerko-bridge.config';
import { AnswerSignals } from './answer-signals';
import { QerkoRequestPartitions } from './qerko-request-partitions';
import { QerkoRequestsRepository } from './qerko-requests.repository';

/**
 * A synchronous request waiting on one bridge instance is woken when another instance stores its answer: by the
 * notification, well before the fallback look at the database (250 ms).
 */
describe('AnswerSignals on PostgreSQL', () => {
  const dbs: DataSource[] = [];
  const tenant = `ten_sig_${randomUUID().slice(0, 8)}`;
  const signals = new AnswerSignals(Object.assign(new QerkoBridgeConfig(), { DATABASE_URL: testInfra().databaseUrl }));

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      dbs.push(await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 2 })).initialize());
    }
    await dbs[0]!.query(`INSERT INTO tenants (id, name) VALUES ($1, 'answer signals')`, [tenant]);
    signals.onModuleInit();
    await signals.listening();
  });
  afterAll(async () => {
    await signals.onModuleDestroy();
    await dbs[0]?.query(`DELETE FROM tenants WHERE id = $1`, [tenant]);
    await Promise.all(dbs.map((db) => db.destroy()));
  });

  it('wakes the waiter of a request the moment another instance stores its answer, and only that one', async () => {
    const [waiting, answering] = dbs.map((db) => new QerkoRequestsRepository(db, new QerkoRequestPartitions(db)));
    const uuids = [randomUUID(), randomUUID()];
    const ids = await Promise.all(
      uuids.map((uuid, n) =>
        waiting!.create({
          id: `qrq_sig_${uuid.slice(0, 8)}`,
          tenantId: tenant,
          sourceId: 'src_sig',
          uuid,
          method: 'getBill',
          args: [],
          eventId: `evt_sig_${n}_${uuid.slice(0, 8)}`,
          staleAfterMs: 15_000,
        }),
      ),
    );
    const latencies: number[] = [];
    for (let round = 0; round < 20; round++) {
      // Each round: a fresh wait on request 0 (answered) beside one on request 1 (never answered in this test).
      const deadline = Date.now() + 5000;
      let otherWoke = false;
      void signals.next(ids[1]!, deadline).then(() => (otherWoke = true));
      const woken = signals.next(ids[0]!, deadline);
      const start = Date.now();
      if (round === 0) await answering!.storeAnswer(tenant, uuids[0]!, { bill: 'ok' }, 'sync-response');
      else await dbs[1]!.query(`SELECT pg_notify('qerko_answered', $1)`, [ids[0]]);
      await woken;
      latencies.push(Date.now() - start);
      expect(otherWoke).toBe(false);
    }
    expect(await waiting!.answerOf(ids[0]!)).toEqual({ bill: 'ok' });
    latencies.sort((a, b) => a - b);
    // The fallback would wake it after 250 ms: every wake came from the notification.
    expect(latencies[latencies.length - 1]).toBeLessThan(150);
  });
});
