import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { CanonicalEventV1 } from '@gateway/contracts';
import { generateEndpointSecret } from '@gateway/webhooks';
import type { DeliveryTarget } from './delivery-target';
import { renderRequest } from './render';

const event: CanonicalEventV1 = {
  schema: 'canonical-event.v1',
  id: 'evt_0123456789abcdef0123456789abcdef',
  type: 'kaynko.sale.completed',
  provider: 'kaynko',
  sourceId: 'src_1',
  tenantId: 'ten_1',
  receivedAt: '2026-06-11T14:30:01.000Z',
  occurredAt: '2026-06-11T14:30:00.000Z',
  data: { saleId: 42, receiptNumber: 'KNK-0042' },
};

const endpoint = (format: 'standard' | 'kaynko'): DeliveryTarget => ({
  id: 'ep_1',
  url: 'https://example.com/hook',
  format,
  timeoutMs: 5000,
  headers: { 'x-custom': 'yes' },
});

describe('renderRequest', () => {
  it('renders Standard Webhooks that the reference library verifies', () => {
    const secret = generateEndpointSecret();
    const { body, headers } = renderRequest(event, endpoint('standard'), [secret]);
    expect(JSON.parse(body.toString())).toEqual({
      type: 'kaynko.sale.completed',
      timestamp: '2026-06-11T14:30:00.000Z',
      data: event.data,
    });
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['x-custom']).toBe('yes');
    expect(new Webhook(secret).verify(body.toString(), headers)).toEqual(JSON.parse(body.toString()));
  });

  it('renders the Kaynko format that the seed snippet verifies with the secret as a UTF-8 string', () => {
    const secret = 'my-own-kaynko-secret';
    const { body, headers } = renderRequest(event, endpoint('kaynko'), [secret]);
    expect(JSON.parse(body.toString())).toEqual({
      event: 'sale.completed',
      data: event.data,
      timestamp: '2026-06-11T14:30:00.000Z',
    });
    expect(headers['x-kaynko-event']).toBe('sale.completed');
    expect(headers['x-gateway-event-id']).toBe(event.id);
    const expected = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    expect(timingSafeEqual(Buffer.from(expected), Buffer.from(headers['x-kaynko-signature']!))).toBe(true);
  });
});
