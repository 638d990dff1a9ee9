import { ApiError } from '@gateway/http';
import { KAYNKO_EXAMPLES, KaynkoExampleName } from '@gateway/testing';
import { signKaynko } from '@gateway/webhooks';
import type { CachedSource } from '../sources/source-cache';
import { KaynkoAdapter } from './kaynko.adapter';
import type { InboundRequest } from './provider-adapter';

const adapter = new KaynkoAdapter();
const NULLABLE = new Set(['customerName', 'customerType', 'voidedByCashierId', 'productCode']);

function request(body: unknown, event?: string): InboundRequest {
  const raw = Buffer.from(JSON.stringify(body));
  const name = event ?? (body as { event?: string }).event;
  return {
    headers: { 'content-type': 'application/json', ...(name ? { 'x-kaynko-event': name } : {}) },
    query: {},
    body: raw,
  };
}

function problems(req: InboundRequest): { code: string; fields: string[] } {
  try {
    adapter.adapt(req);
  } catch (err) {
    const error = err as ApiError;
    return { code: error.code, fields: (error.details ?? []).map((d) => d.field) };
  }
  return { code: 'accepted', fields: [] };
}

// Deep copies typed loosely: mutation tests write wrong types on purpose.
const clone = (value: unknown): any => JSON.parse(JSON.stringify(value));

describe('KaynkoAdapter', () => {
  const names = Object.keys(KAYNKO_EXAMPLES) as KaynkoExampleName[];

  it.each(names)('accepts the seed example of %s as it is', (name) => {
    const adapted = adapter.adapt(request(KAYNKO_EXAMPLES[name]));
    expect(adapted.type).toBe(`kaynko.${name}`);
    expect(adapted.data).toEqual(KAYNKO_EXAMPLES[name].data);
  });

  it('accepts the ping of the Test button and marks it as verifying', () => {
    expect(adapter.adapt(request({ event: 'ping', data: {} }))).toMatchObject({
      type: 'kaynko.ping',
      verifiesSource: true,
    });
  });

  it('keeps unknown extra fields as sent', () => {
    const body = clone(KAYNKO_EXAMPLES['debt.settled']) as Record<string, any>;
    body.data.loyaltyPoints = 12;
    expect(adapter.adapt(request(body)).data).toMatchObject({ loyaltyPoints: 12 });
  });

  describe.each(names)('mutations of %s', (name) => {
    const example = KAYNKO_EXAMPLES[name] as { data: Record<string, unknown> };
    const fields = Object.keys(example.data);

    it.each(fields)('refuses it without data.%s, naming the field', (field) => {
      const body = clone(example);
      delete body.data[field];
      expect(problems(request(body))).toEqual({
        code: 'validation_failed',
        fields: expect.arrayContaining([`data.${field}`]),
      });
    });

    it.each(fields)('refuses a wrong type in data.%s, naming the field', (field) => {
      const body = clone(example);
      body.data[field] = { wrong: true };
      expect(problems(request(body))).toEqual({
        code: 'validation_failed',
        fields: expect.arrayContaining([`data.${field}`]),
      });
    });

    it.each(fields)('treats null in data.%s exactly as the seed says', (field) => {
      const body = clone(example);
      body.data[field] = null;
      const result = problems(request(body));
      if (NULLABLE.has(field)) expect(result.code).toBe('accepted');
      else expect(result.fields).toContain(`data.${field}`);
    });
  });

  it.each(['productName', 'productCode', 'quantity', 'unitPrice', 'lineTotal'])('names data.items[0].%s', (field) => {
    const body = clone(KAYNKO_EXAMPLES['sale.completed']) as { data: { items: Array<Record<string, unknown>> } };
    body.data.items[0]![field] = 'x'.repeat(600);
    expect(problems(request(body)).fields).toContain(`data.items[0].${field}`);
  });

  it.each([
    ['paymentMethod', 'bitcoin'],
    ['customerType', 'vip'],
    ['currency', 'usd'],
    ['createdAt', 'yesterday'],
    ['total', 1e300],
    ['saleId', -1],
    ['saleId', 1.5],
  ])('refuses data.%s = %j', (field, value) => {
    const body = clone(KAYNKO_EXAMPLES['sale.completed']) as { data: Record<string, unknown> };
    body.data[field] = value;
    expect(problems(request(body)).fields).toContain(`data.${field}`);
  });

  it('requires timestamp where the seed always sends it, and not where it omits it', () => {
    const sale = clone(KAYNKO_EXAMPLES['sale.completed']) as Record<string, unknown>;
    delete sale['timestamp'];
    expect(problems(request(sale)).fields).toContain('timestamp');
    expect(problems(request(KAYNKO_EXAMPLES['session.opened'])).code).toBe('accepted');
  });

  it('refuses an unknown event type by name', () => {
    const result = (() => {
      try {
        adapter.adapt(request({ event: 'sale.exploded', data: {} }));
      } catch (err) {
        return err as ApiError;
      }
    })();
    expect(result?.code).toBe('unknown_event_type');
    expect(result?.message).toContain('sale.exploded');
  });

  it('refuses a header/body event mismatch and a missing header', () => {
    expect(problems(request(KAYNKO_EXAMPLES['sale.completed'], 'sale.voided')).code).toBe('event_mismatch');
    const req = request(KAYNKO_EXAMPLES['sale.completed']);
    delete req.headers['x-kaynko-event'];
    expect(problems(req).fields).toEqual(['X-Kaynko-Event']);
  });

  it.each([
    ['not JSON', Buffer.from('{"event":')],
    ['an array', Buffer.from('[]')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['too deep', Buffer.from('{"a":'.repeat(100) + '1' + '}'.repeat(100))],
  ])('refuses a body that is %s as invalid_json', (_, body) => {
    expect(problems({ headers: { 'x-kaynko-event': 'ping' }, query: {}, body }).code).toBe('invalid_json');
  });

  it.each([
    '{"event":"ping","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}',
    '{"event":"ping","data":{"constructor":{}}}',
    '{"event":"ping","data":{"nested":[{"constructor":" ","__proto__":null}]}}',
  ])('drops prototype-pollution and constructor keys instead of trusting them: %s', (raw) => {
    const adapted = adapter.adapt({ headers: { 'x-kaynko-event': 'ping' }, query: {}, body: Buffer.from(raw) });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(adapted.data)).not.toMatch(/constructor|__proto__/);
  });

  it.each(['{"event":"ping","data":{"note":"a\\u0000b"}}', '{"event":"ping","data":{"a\\u0000":1}}'])(
    'refuses NUL characters, which PostgreSQL cannot store (found by the fuzzer: they blocked fan-out): %s',
    (raw) => {
      expect(problems({ headers: { 'x-kaynko-event': 'ping' }, query: {}, body: Buffer.from(raw) }).code).toBe(
        'invalid_json',
      );
    },
  );

  it('validates a sale whose data carries a constructor key (found by the fuzzer: it used to answer 500)', () => {
    const body = clone(KAYNKO_EXAMPLES['sale.voided']);
    body.data.constructor = {};
    expect(adapter.adapt(request(body)).type).toBe('kaynko.sale.voided');
  });

  describe('authenticate', () => {
    const source: CachedSource = {
      id: 'src_1',
      tenantId: 'ten_1',
      provider: 'kaynko',
      enabled: true,
      secret: 's3cret-value',
      token: null,
    };
    const body = Buffer.from(JSON.stringify(KAYNKO_EXAMPLES['sale.completed']));

    it('accepts the right signature and refuses a wrong or missing one with 401', () => {
      expect(() =>
        adapter.authenticate(source, {
          headers: { 'x-kaynko-signature': signKaynko('s3cret-value', body) },
          query: {},
          body,
        }),
      ).not.toThrow();
      for (const header of [undefined, '', signKaynko('other', body)]) {
        expect(() =>
          adapter.authenticate(source, { headers: { 'x-kaynko-signature': header }, query: {}, body }),
        ).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
      }
    });

    it('does not require a signature when the source has no secret (Kaynko signs only when a secret is set)', () => {
      expect(() => adapter.authenticate({ ...source, secret: null }, { headers: {}, query: {}, body })).not.toThrow();
    });
  });
});
