import { DataSource } from 'typeorm';
import { scratchDatabase } from '@gateway/testing';
import { dataSourceOptions } from '../data-source-options';
import { eventSearchOrder, eventSearchPattern, eventSearchSql } from './event-search';

const SALES = 100_000;

/**
 * `?q=` on a table of a size merchants reach: 100,000 Kaynko sales and 100,000 DigiTax syncs of one tenant beside
 * another tenant's 100,000, in today's partition. The search answers from the indexes (the plan has no sequential scan
 * of events), exact and by prefix, and takes a `%` or `_` in `q` literally.
 */
describe('event search (?q=) on 300,000 events', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: DataSource;

  beforeAll(async () => {
    scratch = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 2 }));
    await scratch.migrate();
    db = await new DataSource(dataSourceOptions(scratch.url, { poolSize: 2 })).initialize();
    // All in today's partition (from midnight on), whatever the time the test runs: earlier days have none.
    const insert = (tenant: string, type: string, data: string) =>
      db.query(
        `INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, data)
         SELECT 'evt_' || md5($1 || $2 || n), $1, 'src_1', $2, split_part($2, '.', 1),
                date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + (n % 3600) * interval '1 second', ${data}
           FROM generate_series(1, ${SALES}) AS n`,
        [tenant, type],
      );
    await insert(
      'ten_a',
      'kaynko.sale.completed',
      `jsonb_build_object('saleId', n, 'receiptNumber', 'KNK-' || lpad(n::text, 6, '0'), 'total', n / 100.0)`,
    );
    await insert(
      'ten_a',
      'digitax.sale.sync',
      `jsonb_build_object('invoice_number', n, 'receipt_number', 500000 + n, 'trader_invoice_number', 'INV-' || n)`,
    );
    await insert(
      'ten_b',
      'kaynko.sale.completed',
      `jsonb_build_object('saleId', n, 'receiptNumber', 'KNK-' || lpad(n::text, 6, '0'))`,
    );
    await db.query('ANALYZE events');
  }, 300_000);

  afterAll(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  const sql = `SELECT e.id, e.type, e.data FROM events e WHERE e.tenant_id = $1 AND ${eventSearchSql('e', '$2')}
               ORDER BY ${eventSearchOrder('e')} DESC, e.id DESC LIMIT 21`;
  const search = (tenant: string, q: string) =>
    db.query<Array<{ id: string; type: string; data: Record<string, unknown> }>>(sql, [tenant, eventSearchPattern(q)]);

  it('finds by every identifier, exactly and by prefix, only in the tenant', async () => {
    const receipt = await search('ten_a', 'KNK-000045');
    expect(receipt.map((r) => r.data['receiptNumber'])).toEqual(['KNK-000045']);
    expect((await search('ten_a', 'KNK-00004')).map((r) => r.data['receiptNumber']).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `KNK-00004${i}`),
    );
    expect((await search('ten_a', 'INV-77777')).map((r) => r.data['trader_invoice_number'])).toEqual(['INV-77777']);
    expect((await search('ten_a', '577777')).map((r) => r.data['receipt_number'])).toEqual([577777]);
    // A sale id and an invoice number of the same value: both events.
    expect((await search('ten_a', '99999')).map((r) => r.type).sort()).toEqual([
      'digitax.sale.sync',
      'kaynko.sale.completed',
    ]);
    const id = receipt[0]!.id;
    expect((await search('ten_a', id.slice(0, 20))).map((r) => r.id)).toContain(id);
    expect(await search('ten_b', 'INV-77777')).toEqual([]);
    expect(await search('ten_a', 'KNK-00004%')).toEqual([]);
    expect(await search('ten_a', 'KNK_000045')).toEqual([]);
  });

  /** The relations a plan reads with a sequential scan. */
  const seqScans = (node: PlanNode): string[] => [
    ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name']!] : []),
    ...(node.Plans ?? []).flatMap(seqScans),
  ];

  it('answers from the indexes: no sequential scan of a partition with events, for an exact, a prefix and a broad search', async () => {
    const populated = (
      await db.query<Array<{ name: string }>>(`SELECT DISTINCT tableoid::regclass::text AS name FROM events`)
    ).map((r) => r.name);
    for (const q of ['KNK-000045', 'KNK-0', '4']) {
      const rows = await db.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(`EXPLAIN (FORMAT JSON) ${sql}`, [
        'ten_a',
        eventSearchPattern(q),
      ]);
      const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
      // Empty partitions (the days ahead) may be scanned: they hold nothing.
      expect([q, seqScans(plan).filter((name) => populated.includes(name))]).toEqual([q, []]);
      // A selective search reads each identifier's index; a broad one may walk the tenant's newest events instead.
      if (q === 'KNK-000045') {
        const text = JSON.stringify(plan);
        for (const index of ['receiptnumber', 'saleid', 'trader_invoice_number', 'invoice_number', 'receipt_number'])
          expect([index, text.includes(`search_${index}_idx`)]).toEqual([index, true]);
      }
    }
  });
});

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] };
