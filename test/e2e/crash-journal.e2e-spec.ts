import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '@gateway/persistence';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually, testInfra } from '@gateway/testing';

const EVENTS = 40;

/**
 * A fan-out `kill -9` re-sends only what was truly in flight. Here PostgreSQL stalls fan-out's writes of delivery
 * rows (as a slow or overloaded database does), so the receiver's answers are known to fan-out but not committed
 * when it is killed: without the crash journal, the next instance would consume those events again and send every
 * one of them a second time. Its own database, because the test holds a lock on a table.
 */
describe('fan-out killed before the outcomes it holds are committed (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(180_000);
  const database = `gateway_crash_${randomBytes(4).toString('hex')}`;
  const url = new URL(testInfra().databaseUrl);
  url.pathname = `/${database}`;
  const gateway = new GatewayProcesses({ DATABASE_URL: url.toString() });
  const receiver = new Receiver();

  beforeAll(async () => {
    await onServer((db) => db.query(`CREATE DATABASE ${database}`));
    await runMigrations(url.toString());
    await Promise.all([gateway.start(), receiver.start()]);
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
    await onServer((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('writes the answers it had at the crash when it starts again, and sends none of those events twice', async () => {
    const admin = gateway.url('admin-api');
    const { key } = await gateway.tenantWithKey('Crash journal');
    const source = await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Shop' } });
    const endpoint = await call('POST', `${admin}/v1/endpoints`, {
      key,
      body: { url: receiver.url(), eventTypes: ['kaynko.sale.completed'] },
    });
    expect([source.status, endpoint.status]).toEqual([201, 201]);
    const send = async (receipt: string) => {
      const body = JSON.stringify({
        ...KAYNKO_EXAMPLES['sale.completed'],
        data: { ...KAYNKO_EXAMPLES['sale.completed'].data, receiptNumber: receipt },
      });
      const res = await call('POST', source.body.ingestUrl, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      });
      expect(res.status).toBe(202);
    };

    // The database takes the events but holds every write of a delivery row until the lock is released.
    const lock = new Client({ connectionString: url.toString() });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE deliveries IN SHARE MODE');
    try {
      for (let i = 1; i <= EVENTS; i++) await send(`CRASH-${i}`);
      await receiver.waitFor(EVENTS, 60_000);
      // Fan-out has read every answer (it counts an attempt once its outcome is recorded): none is in flight.
      await eventually(async () => (await succeededAttempts(gateway.metricsUrl('fanout'))) === EVENTS, 30_000);
      const [stalled] = (
        await lock.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
          [database],
        )
      ).rows;
      expect(stalled.n).toBeGreaterThan(0); // its write of those outcomes is waiting, not committed
      await gateway.kill('fanout', 'SIGKILL');
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }

    await gateway.restart('fanout');
    // One more event from the same shop (the same partition, after the others): once it has arrived, fan-out has
    // consumed the killed instance's events again and decided about each.
    await send('CRASH-AFTER');
    await eventually(() => Promise.resolve(receiptsAt(receiver).has('CRASH-AFTER')), 60_000);

    const receipts = receiptsAt(receiver);
    const twice = [...receipts].filter(([, n]) => n > 1).map(([receipt]) => receipt);
    expect({ received: receipts.size, twice }).toEqual({ received: EVENTS + 1, twice: [] });
    // The killed instance's deliveries are recorded as the receiver saw them: succeeded at the first attempt (their
    // rows were written from the journal before the restarted instance consumed anything; the last event's row may
    // still be on its way, as any outcome is for a few milliseconds).
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT d.status, d.attempt_count, count(*)::int AS n
           FROM deliveries d JOIN events e ON e.id = d.event_id
          WHERE d.endpoint_id = $1 AND e.data->>'receiptNumber' <> 'CRASH-AFTER'
          GROUP BY d.status, d.attempt_count`,
        [endpoint.body.id],
      );
      expect(rows).toEqual([{ status: 'succeeded', attempt_count: 1, n: EVENTS }]);
    } finally {
      await db.end();
    }
  });

  /** Requests per receipt number. */
  function receiptsAt(r: Receiver): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of r.requests) {
      const receipt = /"receiptNumber":"([^"]+)"/.exec(request.body.toString())?.[1];
      if (receipt) counts.set(receipt, (counts.get(receipt) ?? 0) + 1);
    }
    return counts;
  }

  async function onServer<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }
});

/** Fan-out's count of attempts that succeeded, from its /metrics. */
async function succeededAttempts(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('fanout_attempts_total{') && line.includes('outcome="succeeded"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
