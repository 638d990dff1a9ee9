import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '@gateway/security';
import { testInfra } from '@gateway/testing';
import { dataSourceOptions } from './data-source-options';
import { resealSecrets } from './reseal-secrets';

/** Key rotation's second step on the real database: every secret ends up sealed with the current key only. */
describe('resealSecrets on PostgreSQL', () => {
  let db: DataSource;
  const oldKey = SecretBox.generateKey();
  const newKey = SecretBox.generateKey();
  const before = new SecretBox(oldKey);
  const during = new SecretBox(newKey, [oldKey]);
  const after = new SecretBox(newKey);
  const id = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const tenant = id('ten');
  const source = id('src');
  const endpoint = id('ep');
  const legacyHeaders = id('ep');
  const unreadable = id('src');

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 2 })).initialize();
    await db.query(`INSERT INTO tenants (id, name) VALUES ($1, 'reseal')`, [tenant]);
    await db.query(
      `INSERT INTO sources (id, tenant_id, provider, name, secret_sealed, token_sealed)
       VALUES ($1, $2, 'kaynko', 'shop', $3, $4), ($5, $2, 'kaynko', 'lost key', $6, NULL)`,
      [
        source,
        tenant,
        before.encrypt('kaynko-secret'),
        during.encrypt('already-new'),
        unreadable,
        new SecretBox(SecretBox.generateKey()).encrypt('x'),
      ],
    );
    await db.query(
      `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed, previous_secret_sealed, headers_sealed)
       VALUES ($1, $2, 'https://example.com/hook', '{*}', $3, $4, $5)`,
      [
        endpoint,
        tenant,
        before.encrypt('whsec_current'),
        before.encrypt('whsec_previous'),
        before.encrypt('{"authorization":"Bearer erp"}'),
      ],
    );
    // Written by a version that kept custom headers in plaintext.
    await db.query(
      `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed, headers)
       VALUES ($1, $2, 'https://example.com/hook', '{*}', $3, '{"x-erp-key":"k-123"}')`,
      [legacyHeaders, tenant, during.encrypt('whsec_legacy')],
    );
  });
  afterAll(async () => {
    await db.query(`DELETE FROM tenants WHERE id = $1`, [tenant]);
    await db.destroy();
  });

  it('re-seals old-key secrets under the current key, keeps their values, and reports what no key opens', async () => {
    const report = await resealSecrets(db, during);
    expect(report['sources']!.unreadable).toContain(unreadable);
    expect(report['sources']!.resealed).toBeGreaterThanOrEqual(1);
    expect(report['endpoints']!.resealed).toBeGreaterThanOrEqual(4);

    const [src] = await db.query(`SELECT secret_sealed, token_sealed FROM sources WHERE id = $1`, [source]);
    const [ep] = await db.query(
      `SELECT secret_sealed, previous_secret_sealed, headers_sealed FROM endpoints WHERE id = $1`,
      [endpoint],
    );
    const [legacy] = await db.query(`SELECT headers, headers_sealed FROM endpoints WHERE id = $1`, [legacyHeaders]);
    // Readable with the new key alone: the old key can be dropped.
    expect(after.decrypt(src.secret_sealed)).toBe('kaynko-secret');
    expect(after.decrypt(src.token_sealed)).toBe('already-new');
    expect(after.decrypt(ep.secret_sealed)).toBe('whsec_current');
    expect(after.decrypt(ep.previous_secret_sealed)).toBe('whsec_previous');
    expect(JSON.parse(after.decrypt(ep.headers_sealed))).toEqual({ authorization: 'Bearer erp' });
    // Plaintext headers of an earlier version end up sealed, and gone from the plaintext column.
    expect(legacy.headers).toEqual({});
    expect(JSON.parse(after.decrypt(legacy.headers_sealed))).toEqual({ 'x-erp-key': 'k-123' });
    expect(() => before.decrypt(ep.secret_sealed)).toThrow();

    // A second run finds nothing left to do for these rows.
    const again = await resealSecrets(db, during);
    const [src2] = await db.query(`SELECT token_sealed FROM sources WHERE id = $1`, [source]);
    expect(src2.token_sealed).toBe(src.token_sealed);
    expect(again['sources']!.unreadable).toContain(unreadable);
  });
});
