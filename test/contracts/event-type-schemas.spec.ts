import Ajv2020 from 'ajv/dist/2020';
import { DIGITAX_EXAMPLES, KAYNKO_EXAMPLES } from '@gateway/testing';
import { describeEventTypes } from '@gateway/contracts';

describe('event type catalog with JSON Schemas generated from the contract classes', () => {
  const catalog = describeEventTypes();

  it('lists every provider event and the operational ones', () => {
    const types = catalog.map((t) => t.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'kaynko.sale.completed',
        'kaynko.ping',
        'digitax.sale.sync',
        'digitax.item.sync',
        'gateway.endpoint.disabled',
        'gateway.endpoint.failing',
        'gateway.endpoint.recovered',
        'gateway.delivery.exhausted',
      ]),
    );
  });

  it('derives the schema from the validators: enums, nullability, required, nested items', () => {
    const sale = catalog.find((t) => t.type === 'kaynko.sale.completed')!.schema as any;
    expect(sale.required).toEqual(expect.arrayContaining(['saleId', 'paymentMethod', 'customerName', 'items']));
    expect(sale.properties.paymentMethod.enum).toEqual([
      'cash',
      'mobile_money',
      'bank_transfer',
      'card',
      'credit',
      'other',
    ]);
    expect(sale.properties.customerName.anyOf).toEqual(expect.arrayContaining([{ type: 'null' }]));
    expect(sale.properties.total).toEqual({ type: 'number', minimum: -1e12, maximum: 1e12 });
    expect(sale.properties.items.items.properties.productCode.anyOf).toEqual(
      expect.arrayContaining([{ type: 'null' }]),
    );
  });

  it('produces schemas that compile and agree with the validators on the seed examples', () => {
    const ajv = new Ajv2020({ strict: false });
    const validators = new Map(catalog.map((entry) => [entry.type, ajv.compile(entry.schema)]));
    for (const [name, example] of Object.entries(KAYNKO_EXAMPLES))
      expect(validators.get(`kaynko.${name}`)!(example.data)).toBe(true);
    for (const [name, example] of Object.entries(DIGITAX_EXAMPLES))
      expect(validators.get(`digitax.${name}`)!(example.data)).toBe(true);
    expect(
      validators.get('kaynko.sale.completed')!({ ...KAYNKO_EXAMPLES['sale.completed'].data, paymentMethod: 'barter' }),
    ).toBe(false);
  });
});
