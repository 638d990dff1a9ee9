import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '@gateway/persistence';
import { GatewayProcesses, call, testInfra } from '@gateway/testing';

/**
 * Lists come newest first, ordered by id, and page by id cursors. Ids mix upper and lower case, so the order must not
 * depend on the database's collation: here admin-api runs on a database whose default collation is linguistic (ICU
 * `en-US`, as many managed PostgreSQL services default to `en_US.UTF-8`), where `a` sorts before `B`.
 */
describe('id order under a linguistic database collation', () => {
  jest.setTimeout(120_000);
  const database = `gateway_collation_${randomBytes(4).toString('hex')}`;
  const serverUrl = testInfra().databaseUrl;
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const gateway = new GatewayProcesses({ DATABASE_URL: url.toString() });
  const admin = () => gateway.url('admin-api');

  beforeAll(async () => {
    await onServer(async (db) => {
      try {
        await db.query(
          `CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
        );
      } catch {
        // A server built without ICU: glibc's en_US.UTF-8, when the machine has it.
        await db.query(
          `CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'`,
        );
      }
    });
    await runMigrations(url.toString());
    await gateway.start(['admin-api']);
  });

  afterAll(async () => {
    await gateway.stop();
    await onServer((db) => db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('really is a database where lower case sorts before upper case', async () => {
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const [row] = (await db.query(`SELECT 'a' < 'B' AS linguistic, 'a' < ('B' COLLATE "C") AS bytewise`)).rows;
      expect(row).toEqual({ linguistic: true, bytewise: false });
    } finally {
      await db.end();
    }
  });

  it('lists tenants and sources newest first, page after page, in exactly the order they were created', async () => {
    const tenants: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await call('POST', `${admin()}/v1/tenants`, { key: gateway.operatorKey, body: { name: `t${i}` } });
      expect(res.status).toBe(201);
      tenants.push(res.body.id);
    }
    expect(await walk('/v1/tenants', gateway.operatorKey)).toEqual([...tenants].reverse());

    const { key } = await gateway.tenantWithKey('sources');
    const sources: string[] = [];
    for (let i = 0; i < 40; i++) {
      const body = { provider: 'kaynko', name: `shop ${i}`, secret: `kaynko-secret-${i}-${'x'.repeat(16)}` };
      const res = await call('POST', `${admin()}/v1/sources`, { key, body });
      expect(res.status).toBe(201);
      sources.push(res.body.id);
    }
    expect(await walk('/v1/sources', key)).toEqual([...sources].reverse());
  });

  /** Every id of a list, following nextCursor seven at a time. */
  async function walk(path: string, key: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=7&cursor=${encodeURIComponent(cursor)}` : '?limit=7';
      const res = await call('GET', `${admin()}${path}${query}`, { key });
      expect(res.status).toBe(200);
      ids.push(...(res.body.data as Array<{ id: string }>).map((item) => item.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    return ids;
  }

  async function onServer<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const db = new Client({ connectionString: serverUrl });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }
});
