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
    const claimed = await store.claimDue(10, 60, [], { id: 'fo_store_test', deadAfterSeconds: 15 });
    expect(Array.isArray(claimed)).toBe(true);
    for (const row of claimed)
      expect(row).toMatchObject({ id: expect.any(String), event: expect.objectContaining({ id: expect.any(String) }) });
  });

  it("takes over a crashed instance's deliveries at once, but never a live instance's, nor its own", async () => {
    const suffix = randomUUID().slice(0, 8);
    const tenant = `ten_takeover_${suffix}`;
    const endpoint = `ep_takeover_${suffix}`;
    await db.query(`INSERT INTO tenants (id, name) VALUES ($1, 'takeover')`, [tenant]);
    const e = { ...event({ n: 2 }), tenantId: tenant };
    const lease = new Date(Date.now() + 120_000); // far from running out
    const held = (owner: string | null, n: number, endpointId: string) => ({
      id: `dlv_takeover_${suffix}_${n}`,
      eventId: e.id,
      endpointId,
      tenantId: tenant,
      eventType: e.type,
      leaseUntil: lease,
      leaseOwner: owner,
      nextAttemptAt: new Date(Date.now() - 1000),
    });
    // One delivery per event and endpoint: four endpoints, one per case.
    const endpoints = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const id = `${endpoint}_${n}`;
        await db.query(
          `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
          [id, tenant],
        );
        return id;
      }),
    );
    await db.query(`INSERT INTO fanout_instances (id, heartbeat_at) VALUES ($1, now() - interval '1 minute')`, [
      `fo_dead_${suffix}`,
    ]);
    await db.query(`INSERT INTO fanout_instances (id) VALUES ($1)`, [`fo_live_${suffix}`]);
    const rows = [
      held(`fo_dead_${suffix}`, 1, endpoints[0]!), // crashed a minute ago
      held(`fo_live_${suffix}`, 2, endpoints[1]!), // alive
      held(`fo_self_${suffix}`, 3, endpoints[2]!), // the claimer itself (holds it in memory)
      held(null, 4, endpoints[3]!), // leased before owners were recorded: wait for the lease
    ];
    await store.persist([e], rows);

    const claimed = await store.claimDue(100, 60, [], { id: `fo_self_${suffix}`, deadAfterSeconds: 15 });
    const ours = claimed.filter((c) => c.id.startsWith(`dlv_takeover_${suffix}`)).map((c) => c.id);
    expect(ours).toEqual([`dlv_takeover_${suffix}_1`]);
    const [owner] = await db.query<Array<{ lease_owner: string }>>(`SELECT lease_owner FROM deliveries WHERE id = $1`, [
      ours[0],
    ]);
    expect(owner?.lease_owner).toBe(`fo_self_${suffix}`);
  });
});
