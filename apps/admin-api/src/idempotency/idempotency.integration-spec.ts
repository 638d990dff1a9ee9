import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/** The expiry job against the real table: keys past 24 h go, in batches; younger ones and running ones stay. */
describe('idempotency keys expiry (real Postgres)', () => {
  let db: DataSource;
  let service: IdempotencyService;
  const principal = `expiry-${randomUUID()}`;

  beforeAll(async () => {
    db = await new DataSource({
      ...dataSourceOptions(testInfra().databaseUrl),
      entities: [],
      migrations: [],
    }).initialize();
    service = new IdempotencyService(new IdempotencyRepository(db));
  });
  afterAll(() => db.destroy());

  const insert = (key: string, age: string) =>
    db.query(
      `INSERT INTO idempotency_keys (principal, key, fingerprint, status, body, created_at)
       VALUES ($1, $2, 'f', 201, '{}', now() - $3::interval)`,
      [principal, key, age],
    );
  const keys = async () => {
    const rows: Array<{ key: string }> = await db.query(
      `SELECT key FROM idempotency_keys WHERE principal = $1 ORDER BY key`,
      [principal],
    );
    return rows.map((r) => r.key);
  };

  it('deletes every key older than 24 hours, and only those', async () => {
    for (let i = 0; i < 12; i++) await insert(`old-${String(i).padStart(2, '0')}`, '24 hours 5 minutes');
    await insert('young', '23 hours 55 minutes');
    const held = await new IdempotencyRepository(db).claim(principal, 'running', 'f', 1000);
    expect(held.kind).toBe('held');
    expect(await service.deleteExpired()).toBeGreaterThanOrEqual(12);
    if (held.kind === 'held') await held.key.complete({ status: 201, body: '{}' });
    expect(await keys()).toEqual(['running', 'young']);
  });
});
