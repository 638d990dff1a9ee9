import { ApiError } from '@gateway/http';
import { DIGITAX_EXAMPLES } from '@gateway/testing';
import type { CachedSource } from '../sources/source-cache';
import { DigitaxAdapter } from './digitax.adapter';
import type { InboundRequest } from './provider-adapter';

const adapter = new DigitaxAdapter();
// Deep copies typed loosely: mutation tests write wrong types on purpose.
const clone = (value: unknown): any => JSON.parse(JSON.stringify(value));
const request = (body: unknown): InboundRequest => ({
  headers: {},
  query: {},
  body: Buffer.from(JSON.stringify(body)),
});

function fieldsOf(body: unknown): string[] | 'accepted' {
  try {
    adapter.adapt(request(body));
    return 'accepted';
  } catch (err) {
    return ((err as ApiError).details ?? []).map((d) => d.field);
  }
}

describe('DigitaxAdapter', () => {
  it('accepts both seed examples, a credit note with negative amounts included', () => {
    expect(adapter.adapt(request(DIGITAX_EXAMPLES['item.sync']))).toMatchObject({
      type: 'digitax.item.sync',
      occurredAt: null,
    });
    expect(adapter.adapt(request(DIGITAX_EXAMPLES['sale.sync']))).toMatchObject({
      type: 'digitax.sale.sync',
      // 01/02/2024 07:45:34 pm in Kenya (UTC+3)
      occurredAt: '2024-02-01T16:45:34.000Z',
    });
  });

  it('accepts the OpenAPI spelling: id instead of digitax_id, integer receipt and invoice numbers', () => {
    const sale = clone(DIGITAX_EXAMPLES['sale.sync']) as { data: Record<string, unknown> };
    delete sale.data['digitax_id'];
    sale.data['id'] = 'cls3g6np300028cegs6o8qw98';
    sale.data['receipt_number'] = 17;
    sale.data['invoice_number'] = 720005;
    expect(fieldsOf(sale)).toBe('accepted');
  });

  it('requires one of digitax_id and id', () => {
    const sale = clone(DIGITAX_EXAMPLES['sale.sync']) as { data: Record<string, unknown> };
    delete sale.data['digitax_id'];
    expect(fieldsOf(sale)).toContain('data.digitax_id');
  });

  it.each([
    ['date', '2024-02-01'],
    ['date', '31/02/2024'],
    ['time', '19:45'],
    ['queue_status', 'done'],
    ['receipt_number', 1.5],
    ['invoice_number', { n: 1 }],
  ])('refuses data.%s = %j, naming it', (field, value) => {
    const sale = clone(DIGITAX_EXAMPLES['sale.sync']) as { data: Record<string, unknown> };
    sale.data[field] = value;
    expect(fieldsOf(sale)).toContain(`data.${field}`);
  });

  it.each(Object.keys(DIGITAX_EXAMPLES['sale.sync'].data.sales_tax_summary))(
    'names data.sales_tax_summary.%s',
    (field) => {
      const sale = clone(DIGITAX_EXAMPLES['sale.sync']) as { data: { sales_tax_summary: Record<string, unknown> } };
      sale.data.sales_tax_summary[field] = 'lots';
      expect(fieldsOf(sale)).toContain(`data.sales_tax_summary.${field}`);
    },
  );

  it.each(['id', 'item_name', 'tax_type_code', 'default_unit_price'])('requires item data.%s', (field) => {
    const item = clone(DIGITAX_EXAMPLES['item.sync']) as { data: Record<string, unknown> };
    delete item.data[field];
    expect(fieldsOf(item)).toContain(`data.${field}`);
  });

  it.each(['item_class_code', 'is_stock_item', 'running_balance', 'origin_nation_code'])(
    'type-checks optional item data.%s',
    (field) => {
      const item = clone(DIGITAX_EXAMPLES['item.sync']) as { data: Record<string, unknown> };
      item.data[field] = [1, 2];
      expect(fieldsOf(item)).toContain(`data.${field}`);
    },
  );

  it('refuses an unknown event by name', () => {
    expect(() => adapter.adapt(request({ event: 'stock.sync', data: {} }))).toThrow(
      /Unknown DigiTax event type "stock.sync"/,
    );
  });

  it('authenticates with the URL token only', () => {
    const source: CachedSource = {
      id: 'src_1',
      tenantId: 'ten_1',
      provider: 'digitax',
      enabled: true,
      secret: null,
      token: 'tok-123',
    };
    const body = Buffer.from('{}');
    expect(() => adapter.authenticate(source, { headers: {}, query: { token: 'tok-123' }, body })).not.toThrow();
    for (const token of [undefined, '', 'tok-12', 'tok-1234', ['tok-123']]) {
      expect(() => adapter.authenticate(source, { headers: {}, query: { token }, body })).toThrow(
        expect.objectContaining({ code: 'invalid_token' }),
      );
    }
  });
});
