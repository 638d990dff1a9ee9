import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from '@gateway/contracts';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { DeliveryStore } from './delivery-store';

/** The store on the real database, including the data errors that must not block a partition. */
describe('DeliveryStore on PostgreSQL', () => {
  let db: DataSource;
  let store: DeliveryStore;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 2 })).initialize();
    store = new DeliveryStore(db);
  });
  afterAll(() => db.destroy());

  const event = (data: Record<string, unknown>): CanonicalEventV1 => ({
    schema: CANONICAL_EVENT_SCHEMA,
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'kaynko.ping',
    provider: 'kaynko',
    sourceId: 'src_store_test',
    tenantId: 'ten_store_test',
    receivedAt: new Date().toISOString(),
    occurredAt: null,
    data,
  });

  it('refuses a NUL character with a data error (class 22), which the consumer isolates and dead-letters', async () => {
    const failure = await store.persist([event({ note: 'a\u0000b' })], []).then(
      () => null,
      (err: { code?: string }) => err,
    );
    expect(failure?.code).toMatch(/^22/);
  });

  it('stores events idempotently and claims due deliveries with a lease, returning rows (not [rows, count])', async () => {
    const e = event({ n: 1 });
    await store.persist([e], []);
    await store.persist([e], []);
    const [row] = await db.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM events WHERE id = $1', [
      e.id,
    ]);
    expect(row?.count).toBe(1);
    const claimed = await store.claimDue(10, 60, []);
    expect(Array.isArray(claimed)).toBe(true);
    for (const row of claimed)
      expect(row).toMatchObject({ id: expect.any(String), event: expect.objectContaining({ id: expect.any(String) }) });
  });
});
