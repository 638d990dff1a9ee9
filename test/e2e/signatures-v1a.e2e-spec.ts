import { createHmac, createPublicKey, verify } from 'node:crypto';
import { GatewayProcesses, KAYNKO_EXAMPLES, ReceivedRequest, Receiver, call, eventually } from '@gateway/testing';

/**
 * A receiver's check of Standard Webhooks signatures, written from the specification's text with node:crypto alone
 * (not the gateway's signing code): `webhook-signature` is a space-separated list of `<version>,<base64>`; `v1a` is an
 * ed25519 signature of `<webhook-id>.<webhook-timestamp>.<body>`, checked with the `whpk_` public key (base64 of its
 * 32 bytes) or the same key as a JWK; `v1` is HMAC-SHA256 of the same content keyed with the base64 part of `whsec_`.
 */
function signedBy(req: ReceivedRequest, key: { publicKey?: string; jwk?: object; secret?: string }): boolean {
  const content = Buffer.concat([
    Buffer.from(`${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.`),
    req.body,
  ]);
  return (req.headers['webhook-signature'] ?? '').split(' ').some((entry) => {
    const [version, signature] = [entry.slice(0, entry.indexOf(',')), entry.slice(entry.indexOf(',') + 1)];
    if (version === 'v1a' && (key.publicKey || key.jwk)) {
      const jwk = key.jwk ?? {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(key.publicKey!.slice('whpk_'.length), 'base64').toString('base64url'),
      };
      return verify(
        null,
        content,
        createPublicKey({ key: jwk as never, format: 'jwk' }),
        Buffer.from(signature, 'base64'),
      );
    }
    if (version === 'v1' && key.secret) {
      const mac = createHmac('sha256', Buffer.from(key.secret.slice('whsec_'.length), 'base64'))
        .update(content)
        .digest('base64');
      return mac === signature;
    }
    return false;
  });
}

describe('v1a (ed25519) signatures, verified as a receiver would (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses({
    GATEWAY_RETRY_SCHEDULE: '300ms,600ms',
    FANOUT_POLL_INTERVAL_MS: '100',
    GATEWAY_SECRET_ROTATION_OVERLAP_HOURS: '1',
  });
  const receiver = new Receiver();

  beforeAll(() => Promise.all([gateway.start(), receiver.start()]));
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  async function tenant() {
    const admin = gateway.url('admin-api');
    const { key } = await gateway.tenantWithKey('v1a');
    const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
    const source = await api('POST', '/v1/sources', { provider: 'kaynko', name: 'Shop' });
    const send = async (saleId: number) => {
      const body = JSON.stringify({
        ...KAYNKO_EXAMPLES['sale.completed'],
        data: { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId },
      });
      const res = await call('POST', source.body.ingestUrl, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    return { api, send };
  }

  const requestsFor = (eventId: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === eventId);

  it('signs deliveries, their retries and replays with the key pair it made, and shows only the public key', async () => {
    const t = await tenant();
    let failures = 1;
    receiver.behaviour = (_, res) => void res.writeHead(failures-- > 0 ? 500 : 200).end();
    const created = await t.api('POST', '/v1/endpoints', {
      url: receiver.url(),
      eventTypes: ['kaynko.sale.completed'],
      signatureScheme: 'v1a',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ signatureScheme: 'v1a', publicKey: expect.stringMatching(/^whpk_/) });
    expect(created.body.secret).toBeUndefined();
    const shown = (await t.api('GET', `/v1/endpoints/${created.body.id}/secret`)).body;
    expect(shown).toEqual({
      scheme: 'v1a',
      publicKey: created.body.publicKey,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String) },
    });
    expect(JSON.stringify(shown)).not.toMatch(/whsk_|"d":/);

    // A delivery that fails once: both attempts signed v1a, each verifiable with the raw key and with the JWK.
    const id = await t.send(101);
    await eventually(() => Promise.resolve(requestsFor(id).length >= 2 || null), 20_000);
    const attempts = requestsFor(id);
    expect(attempts.map((r) => r.headers['webhook-signature']!.split(',')[0])).toEqual(['v1a', 'v1a']);
    for (const r of attempts) {
      expect(signedBy(r, { publicKey: shown.publicKey })).toBe(true);
      expect(signedBy(r, { jwk: shown.jwk })).toBe(true);
    }
    // Tampered content fails the same check.
    expect(
      signedBy({ ...attempts[0]!, body: Buffer.from(attempts[0]!.body.toString().replace('101', '102')) }, shown),
    ).toBe(false);

    // A replay of that event: signed the same way.
    const before = requestsFor(id).length;
    const since = new Date(Date.now() - 3600_000).toISOString();
    const replay = await t.api('POST', `/v1/endpoints/${created.body.id}/replay`, { since });
    expect(replay.status).toBe(202);
    await eventually(() => Promise.resolve(requestsFor(id).length > before || null), 20_000);
    expect(
      requestsFor(id)
        .slice(before)
        .every((r) => signedBy(r, shown)),
    ).toBe(true);

    // The endpoint's Test: the ping is signed with it too.
    const pings = receiver.requests.length;
    const test = await t.api('POST', `/v1/endpoints/${created.body.id}/test`);
    expect(test.body.succeeded).toBe(true);
    expect(signedBy(receiver.requests[pings]!, shown)).toBe(true);
  });

  it('rotates to a new pair signing beside the old one, and switching from v1 is a rotation', async () => {
    const t = await tenant();
    receiver.behaviour = (_, res) => void res.writeHead(200).end();
    const created = await t.api('POST', '/v1/endpoints', {
      url: receiver.url(),
      eventTypes: ['kaynko.sale.completed'],
    });
    const v1 = { secret: created.body.secret as string };
    // v1 → v1a: the v1 secret keeps signing beside the new key during the overlap.
    const switched = await t.api('PATCH', `/v1/endpoints/${created.body.id}`, { signatureScheme: 'v1a' });
    expect(switched.body.signatureScheme).toBe('v1a');
    const first = (await t.api('GET', `/v1/endpoints/${created.body.id}/secret`)).body;
    const a = await t.send(201);
    await eventually(() => Promise.resolve(requestsFor(a).length || null), 20_000);
    const [ra] = requestsFor(a);
    expect(ra!.headers['webhook-signature']!.split(' ').map((s) => s.split(',')[0])).toEqual(['v1a', 'v1']);
    expect([signedBy(ra!, first), signedBy(ra!, v1)]).toEqual([true, true]);

    // Rotating a v1a endpoint: a new pair, the old one still signing.
    const rotated = (await t.api('POST', `/v1/endpoints/${created.body.id}/rotate-secret`)).body;
    expect(rotated.publicKey).not.toBe(first.publicKey);
    const b = await t.send(202);
    await eventually(() => Promise.resolve(requestsFor(b).length || null), 20_000);
    const [rb] = requestsFor(b);
    expect([signedBy(rb!, rotated), signedBy(rb!, first), signedBy(rb!, v1)]).toEqual([true, true, false]);

    // A secret of one's own, and the Kaynko format, are refused with v1a.
    const own = await t.api('POST', `/v1/endpoints/${created.body.id}/rotate-secret`, { secret: 'my-own-secret' });
    expect([own.status, own.body.error.details[0].field]).toEqual([400, 'secret']);
    const kaynko = await t.api('PATCH', `/v1/endpoints/${created.body.id}`, { format: 'kaynko' });
    expect([kaynko.status, kaynko.body.error.details[0].field]).toEqual([400, 'format']);
    const both = await t.api('POST', '/v1/endpoints', {
      url: receiver.url(),
      eventTypes: ['kaynko.sale.completed'],
      signatureScheme: 'v1a',
      secret: 'my-own-secret',
    });
    expect([both.status, both.body.error.details[0].field]).toEqual([400, 'secret']);
  });
});
