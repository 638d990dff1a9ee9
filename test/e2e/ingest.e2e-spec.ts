import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { DIGITAX_EXAMPLES, GatewayProcesses, KAYNKO_EXAMPLES, call, eventually } from '@gateway/testing';

const SECRET = 'kaynko-shop-secret';
const sign = (body: string, secret = SECRET) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

/** Every class of bad input gets its specific 4xx in the one error shape; good input gets 202 only after Kafka. */
describe('ingest over HTTP (admin-api + ingest processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses({
    INGEST_MAX_BODY_BYTES: '8192',
    INGEST_RATE_LIMIT_PER_SOURCE: '20',
    HTTP_REQUEST_TIMEOUT_SECONDS: '2',
  });
  let key: string;
  let kaynkoUrl: string;
  let kaynkoId: string;
  let digitaxUrl: string;

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    call('POST', url, { rawBody: body, headers: { 'content-type': 'application/json', ...headers } });
  const kaynko = (body: string, event = 'sale.completed', headers: Record<string, string> = {}) =>
    post(kaynkoUrl, body, { 'x-kaynko-event': event, 'x-kaynko-signature': sign(body), ...headers });
  const createSource = async (body: object) => {
    const res = await call('POST', `${gateway.url('admin-api')}/v1/sources`, { key, body });
    expect(res.status).toBe(201);
    return res.body as { id: string; ingestUrl: string };
  };

  beforeAll(async () => {
    await gateway.start(['admin-api', 'ingest']);
    const admin = gateway.url('admin-api');
    const tenant = await call('POST', `${admin}/v1/tenants`, {
      key: gateway.operatorKey,
      body: { name: 'Ingest tests' },
    });
    key = (
      await call('POST', `${admin}/v1/tenants/${tenant.body.id}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'k' },
      })
    ).body.key;
    const source = await createSource({ provider: 'kaynko', name: 'Shop', secret: SECRET });
    [kaynkoUrl, kaynkoId] = [source.ingestUrl, source.id];
    digitaxUrl = (await createSource({ provider: 'digitax', name: 'eTIMS' })).ingestUrl;
  });

  afterAll(() => gateway.stop());

  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: expect.objectContaining({ status, code, message: expect.any(String) }) });
  };

  it('accepts every Kaynko seed example with 202 and the same id for the same body', async () => {
    for (const [name, example] of Object.entries(KAYNKO_EXAMPLES)) {
      const body = JSON.stringify(example);
      const first = await kaynko(body, name);
      expect(first.status).toBe(202);
      expect(first.body.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect((await kaynko(body, name)).body.id).toBe(first.body.id);
    }
  });

  it('accepts both DigiTax seed examples with the URL token, refuses a missing or wrong token', async () => {
    for (const example of Object.values(DIGITAX_EXAMPLES)) {
      expect((await post(digitaxUrl, JSON.stringify(example))).status).toBe(202);
    }
    const body = JSON.stringify(DIGITAX_EXAMPLES['item.sync']);
    expectError(await post(digitaxUrl.replace(/\?token=.*/, ''), body), 401, 'invalid_token');
    expectError(await post(`${digitaxUrl}x`, body), 401, 'invalid_token');
  });

  it('400 for malformed JSON, and for a correctly signed body that is not UTF-8', async () => {
    expectError(await kaynko('{"event": "sale.completed", '), 400, 'invalid_json');
    const notUtf8 = Buffer.concat([
      Buffer.from('{"event":"ping","data":{"note":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    const res = await call('POST', kaynkoUrl, {
      rawBody: notUtf8,
      headers: {
        'content-type': 'application/json',
        'x-kaynko-event': 'ping',
        'x-kaynko-signature': 'sha256=' + createHmac('sha256', SECRET).update(notUtf8).digest('hex'),
      },
    });
    expectError(res, 400, 'invalid_json');
    expect(res.body.error.message).toContain('UTF-8');
  });

  it('415 for a wrong or missing content type', async () => {
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    expectError(await kaynko(body, 'sale.completed', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    const res = await call('POST', kaynkoUrl, {
      rawBody: body,
      headers: { 'x-kaynko-event': 'sale.completed', 'x-kaynko-signature': sign(body) },
    });
    expect(res.status).toBe(415);
    expectError(await kaynko(body, 'sale.completed', { 'content-type': ';;;' }), 415, 'unsupported_media_type');
  });

  it('answers on the URL a provider was given whatever its case or a trailing slash; a bad URL gets a 4xx', async () => {
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    const url = new URL(kaynkoUrl);
    for (const variant of [`${kaynkoUrl}/`, `${url.origin}${url.pathname.replace('/v1/ingest/', '/V1/Ingest/')}`]) {
      expect(
        (await post(variant, body, { 'x-kaynko-event': 'sale.completed', 'x-kaynko-signature': sign(body) })).status,
      ).toBe(202);
    }
    const ingest = gateway.url('ingest');
    expectError(await post(`${ingest}/v1/ingest/kaynko/%zz`, body), 400, 'invalid_url');
    expectError(await post(`${ingest}/v1/ingest/kaynko`, body), 404, 'not_found');
    const get = await call('GET', kaynkoUrl);
    expectError(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('413 for a body over the limit', async () => {
    const body = JSON.stringify({ ...KAYNKO_EXAMPLES['sale.completed'], padding: 'x'.repeat(10_000) });
    expectError(await kaynko(body), 413, 'payload_too_large');
  });

  /**
   * Raw HTTP over a socket, as a hostile or broken client sends it: what arrives back (one answer) and how long the
   * connection stayed open. `keepSending` writes one more byte every 100 ms until the server closes.
   */
  const rawExchange = (url: string, head: string, body = '', keepSending = false) =>
    new Promise<{ status: number; body: any; headers: string; closedAfterMs: number }>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const started = Date.now();
      const socket = connect(Number(port), hostname, () => socket.write(head + body));
      let received = '';
      const trickle = keepSending ? setInterval(() => socket.writable && socket.write('x'), 100) : null;
      socket.on('data', (d) => (received += d.toString('latin1')));
      socket.on('error', () => undefined); // a reset after the answer is what some of these expect
      socket.on('close', () => {
        if (trickle) clearInterval(trickle);
        const [headers = '', payload = ''] = received.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
        if (!status) return reject(new Error(`no answer: ${JSON.stringify(received)}`));
        resolve({ status, body: JSON.parse(payload), headers, closedAfterMs: Date.now() - started });
      });
    });
  const head = (url: string, length: number, extra = '') => {
    const { host, pathname, search } = new URL(url);
    return (
      `POST ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `X-Kaynko-Event: sale.completed\r\nContent-Length: ${length}\r\n${extra}\r\n`
    );
  };

  it('closes the connection after a 413 instead of reading the rest of the body', async () => {
    // A client that declares 100 MB and keeps sending: answered at once, and disconnected.
    const res = await rawExchange(kaynkoUrl, head(kaynkoUrl, 100_000_000), 'x'.repeat(1000), true);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: expect.objectContaining({ status: 413, code: 'payload_too_large' }) });
    expect(res.headers.toLowerCase()).toContain('connection: close');
    expect(res.closedAfterMs).toBeLessThan(1500);
  });

  it('answers a request whose body is too slow with 408 in the one error shape (HTTP_REQUEST_TIMEOUT_SECONDS)', async () => {
    const res = await rawExchange(kaynkoUrl, head(kaynkoUrl, 100), '{"event":');
    expect(res.status).toBe(408);
    expect(res.body).toEqual({ error: expect.objectContaining({ status: 408, code: 'request_timeout' }) });
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(1500);
    expect(res.closedAfterMs).toBeLessThan(6000);
  });

  it("answers what is not HTTP, or headers too large, in the one error shape (Node's and Fastify's own answers replaced)", async () => {
    const garbage = await rawExchange(kaynkoUrl, 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.status, garbage.body.error?.code]).toEqual([400, 'bad_request']);
    const huge = await rawExchange(kaynkoUrl, head(kaynkoUrl, 2, `X-Padding: ${'x'.repeat(20_000)}\r\n`), '{}');
    expect([huge.status, huge.body.error?.code]).toEqual([431, 'headers_too_large']);
  });

  it('counts a client that goes away mid-body at debug, without an error in the log', async () => {
    const ingest = gateway.services.get('ingest')!;
    const aborted = async () =>
      Number(
        /^http_requests_aborted_total(?:\{[^}]*\})? (\d+)/m.exec(await (await fetch(ingest.metricsUrl)).text())?.[1],
      );
    const before = await aborted();
    const logged = ingest.logs.length;
    await new Promise<void>((resolve) => {
      const { hostname, port } = new URL(kaynkoUrl);
      const socket = connect(Number(port), hostname, () => {
        socket.write(head(kaynkoUrl, 1000) + '{"event":"sale.completed"');
        setTimeout(() => (socket.destroy(), resolve()), 200);
      });
    });
    await eventually(async () => (await aborted()) === before + 1);
    const after = ingest.logs.slice(logged).join('');
    expect(after).not.toMatch(/ERROR|"level":50|aborted\n\s+at /);
  });

  it('400 naming an unknown event type', async () => {
    const body = JSON.stringify({ event: 'sale.teleported', data: {} });
    const res = await kaynko(body, 'sale.teleported');
    expectError(res, 400, 'unknown_event_type');
    expect(res.body.error.message).toContain('sale.teleported');
  });

  it('400 listing each missing or invalid field by path', async () => {
    const { data, ...rest } = KAYNKO_EXAMPLES['sale.completed'];
    const { total: _total, ...withoutTotal } = data;
    const body = JSON.stringify({
      ...rest,
      data: { ...withoutTotal, paymentMethod: 'barter', items: [{ ...data.items[0], quantity: 'two' }] },
    });
    const res = await kaynko(body);
    expectError(res, 400, 'validation_failed');
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['data.total', 'data.paymentMethod', 'data.items[0].quantity']));
  });

  it('400 when X-Kaynko-Event and the body disagree', async () => {
    expectError(await kaynko(JSON.stringify(KAYNKO_EXAMPLES['sale.completed']), 'sale.voided'), 400, 'event_mismatch');
  });

  it('401 for a missing or wrong signature, without detail', async () => {
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.voided']);
    const hex = sign(body).slice('sha256='.length);
    const signatures = {
      empty: '',
      'no prefix': hex,
      'another algorithm': `sha1=${hex}`,
      'prefix in capitals': `SHA256=${hex}`,
      'all in capitals': sign(body).toUpperCase(),
      truncated: sign(body).slice(0, -1),
      'one digit changed': `sha256=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`,
      "another source's secret": sign(body, 'another-source-secret'),
      'of another body': sign(`${body} `),
    };
    for (const [name, signature] of Object.entries(signatures)) {
      const res = await kaynko(body, 'sale.voided', { 'x-kaynko-signature': signature });
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({
        name,
        status: 401,
        code: 'invalid_signature',
      });
      expect(JSON.stringify(res.body)).not.toContain(hex);
    }
    const unsigned = await post(kaynkoUrl, body, { 'x-kaynko-event': 'sale.voided' });
    expect(unsigned.status).toBe(401);
  });

  it('a Kaynko source without a secret takes only requests with its URL token, shown once like a key', async () => {
    const admin = gateway.url('admin-api');
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.voided']);
    const send = (url: string) => post(url, body, { 'x-kaynko-event': 'sale.voided' });
    const created = await createSource({ provider: 'kaynko', name: 'No secret' });
    expect(created).toMatchObject({ authentication: 'url_token' });
    const url = new URL(created.ingestUrl);
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const bare = `${url.origin}${url.pathname}`;

    expect((await send(created.ingestUrl)).status).toBe(202);
    // Knowing the id (events carry it as sourceId) is not enough.
    for (const wrong of [bare, `${bare}?token=${token.slice(0, -1)}`, `${bare}?token=`, `${bare}?token=${token}x`]) {
      expectError(await send(wrong), 401, 'invalid_token');
    }
    // Shown once: later reads give the address without the token.
    const read = (await call('GET', `${admin}/v1/sources/${created.id}`, { key })).body;
    expect(read).toMatchObject({ ingestUrl: bare, authentication: 'url_token', hasSecret: false });
    const listed = (await call('GET', `${admin}/v1/sources?limit=100`, { key })).body;
    expect(JSON.stringify(listed)).not.toContain(token);

    // A new token replaces the old one at once.
    const rotated = await call('POST', `${admin}/v1/sources/${created.id}/rotate-token`, { key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.ingestUrl).not.toBe(created.ingestUrl);
    expectError(await send(created.ingestUrl), 401, 'invalid_token');
    expect((await send(rotated.body.ingestUrl)).status).toBe(202);

    // With a secret the signature authenticates (the token is not needed); removing it shows the token URL again.
    const secret = 'kaynko-secret-set-later';
    await call('PATCH', `${admin}/v1/sources/${created.id}`, { key, body: { secret } });
    expect(
      (await post(bare, body, { 'x-kaynko-event': 'sale.voided', 'x-kaynko-signature': sign(body, secret) })).status,
    ).toBe(202);
    expectError(await send(rotated.body.ingestUrl), 401, 'invalid_signature');
    const removed = await call('PATCH', `${admin}/v1/sources/${created.id}`, { key, body: { secret: null } });
    expect(removed.body).toMatchObject({ ingestUrl: rotated.body.ingestUrl, authentication: 'url_token' });
    expect((await send(rotated.body.ingestUrl)).status).toBe(202);
    expectError(await send(bare), 401, 'invalid_token');
  });

  it('404 for an unknown source, a source of another provider, and a disabled source', async () => {
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    expectError(
      await post(kaynkoUrl.replace(kaynkoId, 'src_doesnotexist00000000'), body, { 'x-kaynko-event': 'sale.completed' }),
      404,
      'not_found',
    );
    expectError(
      await post(digitaxUrl.replace('/digitax/', '/kaynko/'), body, { 'x-kaynko-event': 'sale.completed' }),
      404,
      'not_found',
    );
    expectError(await post(kaynkoUrl.replace('/kaynko/', '/acme/'), body), 404, 'not_found');

    const disabled = await createSource({ provider: 'kaynko', name: 'Closed shop' });
    await call('POST', `${gateway.url('admin-api')}/v1/sources/${disabled.id}/disable`, { key });
    expectError(await post(disabled.ingestUrl, body, { 'x-kaynko-event': 'sale.completed' }), 404, 'not_found');
  });

  it('429 with Retry-After when one source sends too fast', async () => {
    const source = await createSource({ provider: 'kaynko', name: 'Busy shop' });
    const body = JSON.stringify(KAYNKO_EXAMPLES['session.opened']);
    const results = await Promise.all(
      Array.from({ length: 60 }, () => post(source.ingestUrl, body, { 'x-kaynko-event': 'session.opened' })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 202 || r.status === 429)).toBe(true);
  });

  it('marks the source verified when the Test ping arrives', async () => {
    const body = JSON.stringify({ event: 'ping', data: {} });
    expect((await kaynko(body, 'ping')).status).toBe(202);
    const source = await eventually(async () => {
      const res = await call('GET', `${gateway.url('admin-api')}/v1/sources/${kaynkoId}`, { key });
      return res.body.verifiedAt ? res.body : null;
    }, 8000);
    expect(source.lastSeenAt).toEqual(expect.any(String));
  });

  it('marks a source verified by its first signed sale, or tokened callback, and not by a refused one', async () => {
    const shop = await createSource({ provider: 'kaynko', name: 'Signed shop', secret: SECRET });
    const etims = await createSource({ provider: 'digitax', name: 'Tokened' });
    const untouched = await createSource({ provider: 'kaynko', name: 'Never signed', secret: SECRET });
    const sale = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    const event = { 'x-kaynko-event': 'sale.completed' };
    expect((await post(shop.ingestUrl, sale, { ...event, 'x-kaynko-signature': sign(sale) })).status).toBe(202);
    expect((await post(etims.ingestUrl, JSON.stringify(DIGITAX_EXAMPLES['sale.sync']))).status).toBe(202);
    const forged = await post(untouched.ingestUrl, sale, { ...event, 'x-kaynko-signature': sign(sale, 'guess') });
    expect(forged.status).toBe(401);
    const sourceOf = async (id: string) =>
      (await call('GET', `${gateway.url('admin-api')}/v1/sources/${id}`, { key })).body as {
        verifiedAt: string | null;
        lastSeenAt: string | null;
      };
    // Activity is written in batches every two seconds (source-activity.ts).
    await eventually(async () => (await sourceOf(shop.id)).verifiedAt && (await sourceOf(etims.id)).verifiedAt, 8000);
    expect(await sourceOf(untouched.id)).toMatchObject({ verifiedAt: null, lastSeenAt: null });
  });

  it('counts accepted and rejected events at /metrics', async () => {
    const text = (await call('GET', gateway.metricsUrl('ingest'))).body as string;
    expect(text).toMatch(
      /ingest_events_accepted_total\{[^}]*provider="kaynko"[^}]*type="kaynko.sale.completed"[^}]*\} \d+/,
    );
    expect(text).toMatch(/ingest_events_rejected_total\{[^}]*reason="invalid_signature"[^}]*\} \d+/);
    expect(text).toContain('ingest_acceptance_seconds_bucket');
    // HTTP requests by route template, never the raw path; unknown paths under one label.
    expect(text).toMatch(
      /http_requests_total\{route="\/v1\/ingest\/:provider\/:sourceId",method="POST",status="202"[^}]*\} \d+/,
    );
    expect(text).toMatch(/http_requests_total\{route="unmatched",method="POST",status="404"[^}]*\} \d+/);
    expect(text).not.toContain(kaynkoId);
  });
});
