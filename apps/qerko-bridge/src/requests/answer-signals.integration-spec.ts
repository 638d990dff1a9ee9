import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { QERKO_ANSWER_OFFERS_CHANNEL, QERKO_REPLY_SCHEMA } from '@gateway/contracts';
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
      void signals
        .next({ id: ids[1]!, tenantId: tenant, sourceId: 'src_sig', uuid: uuids[1]! }, deadline)
        .then(() => (otherWoke = true));
      const woken = signals.next({ id: ids[0]!, tenantId: tenant, sourceId: 'src_sig', uuid: uuids[0]! }, deadline);
      const start = Date.now();
      if (round === 0) await answering!.storeAnswer(tenant, uuids[0]!, { bill: 'ok' }, 'sync-response');
      else await dbs[1]!.query(`SELECT pg_notify('qerko_answered', $1)`, [ids[0]]);
      expect(await woken).toBe('stored');
      latencies.push(Date.now() - start);
      expect(otherWoke).toBe(false);
    }
    expect(await waiting!.answerOf(ids[0]!)).toEqual({ bill: 'ok' });
    latencies.sort((a, b) => a - b);
    // The fallback would wake it after 250 ms: every wake came from the notification.
    expect(latencies[latencies.length - 1]).toBeLessThan(150);
  });

  it("hands a waiter the answer fan-out offers for its tenant, source and uuid, and nobody else's", async () => {
    const offer = (tenantId: string, sourceId: string | undefined, uuid: string, answer: unknown) =>
      dbs[1]!.query(`SELECT pg_notify($1, $2)`, [
        QERKO_ANSWER_OFFERS_CHANNEL,
        JSON.stringify({ schema: QERKO_REPLY_SCHEMA, tenantId, sourceId, uuid, answer, at: new Date().toISOString() }),
      ]);
    const deadline = Date.now() + 5000;
    const [uuid, other] = [randomUUID(), randomUUID()];
    const woke: string[] = [];
    const wait = (id: string, tenantId: string, sourceId: string, waitUuid: string) =>
      signals.next({ id, tenantId, sourceId, uuid: waitUuid }, deadline).then((w) => (woke.push(id), w));
    const waiting = wait('qrq_offer_1', tenant, 'src_a', uuid);
    void wait('qrq_offer_2', tenant, 'src_a', other);
    void wait('qrq_offer_3', 'ten_someone_else', 'src_a', uuid);
    void wait('qrq_offer_4', tenant, 'src_b', uuid);

    // Offers that are not taken, so the first one to wake the waiter is the valid one: an answer of neither shape, one
    // without its source, one PostgreSQL could not store (a NUL character), and one for another source's uuid.
    await offer(tenant, 'src_a', uuid, { neither: true });
    await offer(tenant, undefined, uuid, { result: { bill: 'whose?' } });
    await offer(tenant, 'src_a', uuid, { result: { bill: 'nul \u0000' } });
    await offer(tenant, 'src_c', uuid, { result: { bill: 'src_c' } });
    await offer(tenant, 'src_a', uuid, { result: { bill: 'offered' } });
    expect(await waiting).toEqual({ offered: { result: { bill: 'offered' } } });
    expect(woke).toEqual(['qrq_offer_1']);
  });
});
