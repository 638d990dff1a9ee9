import { Webhook } from 'standardwebhooks';
import { generateEndpointSecret, standardWebhookHeaders } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({ type: 'kaynko.sale.completed', timestamp: '2026-06-11T14:30:00.000Z', data: { a: 1 } });

  it('is verified by the reference standardwebhooks package', () => {
    const secret = generateEndpointSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders([secret], 'evt_123', now, body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs with both secrets during a rotation overlap, so either verifies', () => {
    const oldSecret = generateEndpointSecret();
    const newSecret = generateEndpointSecret();
    const headers = standardWebhookHeaders([newSecret, oldSecret], 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
  });

  it('fails verification when the body changes', () => {
    const secret = generateEndpointSecret();
    const headers = standardWebhookHeaders([secret], 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(() => new Webhook(secret).verify(body + ' ', { ...headers })).toThrow();
  });
});
