import { parse } from 'csv-parse/sync';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

/**
 * "Did receipt KNK-0045 reach my accountant?": events and deliveries found by the identifiers a merchant knows, each
 * listed with what identifies a sale (four processes, real Kafka and Postgres).
 */
describe('finding a sale (?q=) and what lists say about it', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  const receiver = new Receiver();
  let api: (method: string, path: string) => Promise<{ status: number; body: any }>;
  const ids: Record<string, string> = {};
  let key: string;
  let adminUrl: string;

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
    const admin = gateway.url('admin-api');
    ({ key } = await gateway.tenantWithKey('Duka'));
    adminUrl = admin;
    api = (method, path) => call(method, `${admin}${path}`, { key });
    const post = (path: string, body: unknown) => call('POST', `${admin}${path}`, { key, body });
    const source = (await post('/v1/sources', { provider: 'kaynko', name: 'Shop' })).body;
    ids.endpoint = (await post('/v1/endpoints', { url: receiver.url(), eventTypes: ['kaynko.*'] })).body.id;
    const send = async (event: 'sale.completed' | 'sale.voided', saleId: number, receiptNumber: string) => {
      const body = { ...KAYNKO_EXAMPLES[event], data: { ...KAYNKO_EXAMPLES[event].data, saleId, receiptNumber } };
      const res = await call('POST', source.ingestUrl, {
        rawBody: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-kaynko-event': event },
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    ids.sale45 = await send('sale.completed', 4501, 'KNK-0045');
    ids.sale46 = await send('sale.completed', 4601, 'KNK-0046');
    ids.void45 = await send('sale.voided', 4501, 'KNK-0045');
    ids.other = await send('sale.completed', 9901, 'ZZ-1');
    // Ingest answered 202; fan-out stores the events and delivers them.
    await eventually(async () => (await api('GET', '/v1/deliveries')).body.data.length === 4);
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  const found = async (path: string) => ((await api('GET', path)).body.data as Array<{ id: string }>).map((e) => e.id);

  it('finds events by receipt number and sale id, exactly or by prefix, with the other filters', async () => {
    expect((await found('/v1/events?q=KNK-0045')).sort()).toEqual([ids.sale45, ids.void45].sort());
    expect(await found('/v1/events?q=KNK-0045&type=kaynko.sale.voided')).toEqual([ids.void45]);
    expect((await found('/v1/events?q=KNK-004')).sort()).toEqual([ids.sale45, ids.sale46, ids.void45].sort());
    expect(await found('/v1/events?q=4601')).toEqual([ids.sale46]);
    expect(await found(`/v1/events?q=${ids.other!.slice(0, 16)}`)).toEqual([ids.other]);
    expect(await found('/v1/events?q=KNK-004%25')).toEqual([]);
    expect(await found('/v1/events?q=nothing-like-it')).toEqual([]);
    const tooLong = await api('GET', `/v1/events?q=${'x'.repeat(101)}`);
    expect([tooLong.status, tooLong.body.error.details[0].field]).toEqual([400, 'q']);
    const csv = (await api('GET', '/v1/events/export.csv?q=KNK-0046')).body as string;
    expect(csv.trim().split('\n')).toHaveLength(2);
    expect(csv).toContain(ids.sale46);
  });

  it("lists each sale's receipt number, total, currency and payment method, in events and in deliveries", async () => {
    const sale = KAYNKO_EXAMPLES['sale.completed'].data;
    const expected = {
      receiptNumber: 'KNK-0046',
      total: sale.total,
      currency: sale.currency,
      paymentMethod: sale.paymentMethod,
    };
    const [event] = (await api('GET', '/v1/events?q=KNK-0046')).body.data;
    expect(event.sale).toEqual(expected);
    const deliveries = (await api('GET', '/v1/deliveries?q=KNK-0046')).body.data;
    expect(deliveries.map((d: { eventId: string; sale: unknown }) => [d.eventId, d.sale])).toEqual([
      [ids.sale46, expected],
    ]);
    expect((await api('GET', `/v1/deliveries/${deliveries[0].id}`)).body.sale).toEqual(expected);
    const detail = (await api('GET', `/v1/events/${ids.void45}`)).body;
    expect([detail.sale.receiptNumber, detail.deliveries[0].sale.receiptNumber]).toEqual(['KNK-0045', 'KNK-0045']);
    const deliveriesOf45 = (await api('GET', '/v1/deliveries?q=KNK-0045')).body.data;
    expect(deliveriesOf45.map((d: { eventId: string }) => d.eventId).sort()).toEqual([ids.sale45, ids.void45].sort());
  });

  it('exports sales with a column per field, their line items row by row, and a BOM for Excel on request', async () => {
    const seed = KAYNKO_EXAMPLES['sale.completed'].data;
    const path = '/v1/events/export.csv?type=kaynko.sale.completed&q=KNK-0046&bom=true';
    expect((await api('GET', path)).status).toBe(200);
    // The bytes as Excel gets them (a decoder would drop the BOM).
    const res = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    const [row, ...more] = parse<Record<string, string>>(text, { bom: true, columns: true });
    expect(more).toEqual([]);
    const { items, ...fields } = { ...seed, saleId: 4601, receiptNumber: 'KNK-0046' };
    expect(row).toEqual({
      eventId: ids.sale46,
      receivedAt: expect.any(String),
      occurredAt: expect.any(String),
      sourceId: expect.any(String),
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])),
      items: String(items.length),
    });

    const lines = (await api('GET', '/v1/events/export.csv?type=kaynko.sale.completed&rows=items&q=KNK-0046'))
      .body as string;
    expect(lines.startsWith('eventId,receiptNumber,line,')).toBe(true);
    expect(parse(lines, { columns: true })).toEqual(
      items.map((item, i) => ({
        eventId: ids.sale46,
        receiptNumber: 'KNK-0046',
        line: String(i + 1),
        ...Object.fromEntries(Object.entries(item).map(([k, v]) => [k, String(v)])),
      })),
    );

    const refused = async (query: string) => {
      const r = await api('GET', `/v1/events/export.csv?${query}`);
      return [r.status, r.body.error?.details?.[0]?.field];
    };
    expect(await refused('rows=items')).toEqual([400, 'rows']);
    expect(await refused('type=kaynko.sale.voided&rows=items')).toEqual([400, 'rows']);
    expect(await refused('type=kaynko.nothing')).toEqual([400, 'type']);
    expect(await refused('bom=yes')).toEqual([400, 'bom']);
  });
});
