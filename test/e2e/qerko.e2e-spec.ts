import { createHmac, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { GatewayProcesses, Receiver, call, eventually, testInfra } from '@gateway/testing';

const API_KEY = 'qerko-restaurant-api-key-0001';
const POS_ID = '7d0a3c9e-3f5e-4b7a-9a53-0c9b1f1e2d3c';
const BILL = { id: 'B-17', currency: 'CZK', items: [{ name: 'Pilsner', price: '59.00', quantity: 2 }] };

/**
 * The Qerko bridge end to end: Qerko (a local stub that records /reply calls) → bridge → Kafka → fan-out → the POS
 * (a local receiver answering sync, async, with an error, or never) → back to Qerko, exactly once.
 */
describe('Qerko bridge (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses({
    QERKO_SYNC_BUDGET_MS: '1500',
    QERKO_STALE_AFTER_MS: '4000',
    FANOUT_POLL_INTERVAL_MS: '100',
  });
  const qerko = new Receiver();
  const pos = new Receiver();
  const ops = new Receiver();
  let webhookUrl: string;
  let replyKey: string;
  let adminKey: string;
  let tenantId: string;

  beforeAll(async () => {
    await Promise.all([gateway.start(), qerko.start(), pos.start(), ops.start()]);
    const admin = gateway.url('admin-api');
    const tenant = (
      await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'Restaurant' } })
    ).body.id;
    tenantId = tenant;
    const key = (
      await call('POST', `${admin}/v1/tenants/${tenant}/api-keys`, { key: gateway.operatorKey, body: { name: 'all' } })
    ).body.key;
    adminKey = key;
    replyKey = (
      await call('POST', `${admin}/v1/tenants/${tenant}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'pos', scopes: ['qerko:reply'] },
      })
    ).body.key;
    const source = await call('POST', `${admin}/v1/sources`, {
      key,
      body: {
        provider: 'qerko',
        name: 'Qerko',
        secret: API_KEY,
        config: { apiBaseUrl: qerko.url('/api/v4'), posId: POS_ID },
      },
    });
    expect(source.status).toBe(201);
    webhookUrl = source.body.ingestUrl;
    expect(webhookUrl).toBe(`${gateway.url('qerko-bridge')}/v1/qerko/${source.body.id}/webhook`);
    await call('POST', `${admin}/v1/endpoints`, { key, body: { url: pos.url('/pos'), eventTypes: ['qerko.*'] } });
    await call('POST', `${admin}/v1/endpoints`, {
      key,
      body: { url: ops.url('/ops'), eventTypes: ['gateway.qerko.payment_unanswered'] },
    });
  });

  afterAll(async () => {
    await gateway.stop();
    await Promise.all([qerko.stop(), pos.stop(), ops.stop()]);
  });

  const frame = (method: string, args: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'method-call-request',
    uuid: randomUUID(),
    method,
    args,
    ...extra,
  });
  const send = (body: object, signature?: string) => {
    const raw = JSON.stringify(body);
    const sig = signature ?? createHmac('sha256', API_KEY).update(raw).digest('hex');
    return call('POST', webhookUrl, {
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'signature-sha256': sig },
    });
  };
  const replies = (uuid: string) => qerko.requests.filter((r) => JSON.parse(r.body.toString()).uuid === uuid);
  /** The POS answers each delivery in its 200 body (the synchronous way). */
  const answerInBody = (answer: object) =>
    (pos.behaviour = (_, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
  const reply = (body: object, key = replyKey) =>
    call('POST', `${gateway.url('qerko-bridge')}/v1/qerko/replies`, { key, body });

  it('answers synchronously (200) when the POS answers in its delivery response, and never posts /reply', async () => {
    answerInBody({ result: BILL });
    const request = frame('getBill', ['B-17', null]);
    const res = await send(request);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'method-call-response', uuid: request.uuid, result: BILL });
    const delivered = pos.requests.find((r) => JSON.parse(r.body.toString()).data?.uuid === request.uuid)!;
    expect(JSON.parse(delivered.body.toString())).toMatchObject({
      type: 'qerko.getBill',
      data: { method: 'getBill', args: ['B-17', null] },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(replies(request.uuid)).toHaveLength(0);
  });

  it('passes a POS error through synchronously', async () => {
    answerInBody({ error: { code: 'BILL_NOT_FOUND', message: 'No such bill' } });
    const request = frame('getBill', ['B-404', null]);
    const res = await send(request);
    expect(res.body).toEqual({
      type: 'method-call-response',
      uuid: request.uuid,
      error: { code: 'BILL_NOT_FOUND', message: 'No such bill' },
    });
  });

  it('answers synchronously an answer too large to be offered at once (over 8 KB), through the replies record', async () => {
    const bill = { ...BILL, note: 'x'.repeat(10_000) };
    answerInBody({ result: bill });
    const request = frame('getBill', ['B-18', null]);
    const res = await send(request);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'method-call-response', uuid: request.uuid, result: bill });
  });

  it('dead-letters a record on the replies topic that is not a qerko-reply.v1, and keeps answering', async () => {
    answerInBody({ result: BILL });
    const request = frame('getBill', ['B-18', null]);
    const kafka = new Kafka({ brokers: testInfra().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    // Keyed like the request's own answer, so they sit ahead of it in the same partition.
    const wrongShape = JSON.stringify({
      schema: 'qerko-reply.v1',
      tenantId,
      uuid: request.uuid,
      answer: { error: 'no' },
      at: 'now',
    });
    await producer.send({
      topic: 'gateway.qerko-replies.v1',
      messages: [
        { key: request.uuid, value: 'null' },
        { key: request.uuid, value: wrongShape },
      ],
    });
    await producer.disconnect();
    const res = await send(request);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'method-call-response', uuid: request.uuid, result: BILL });

    const consumer = kafka.consumer({ groupId: `replies-poison-check-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'gateway.dead-letter.v1', fromBeginning: true });
    const letters: Array<Record<string, any>> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          const letter = JSON.parse(message.value!.toString());
          if (letter.payload === 'null' || letter.payload === wrongShape) letters.push(letter);
          if (letters.length === 2) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    const byPayload = Object.fromEntries(letters.map((l) => [l.payload, l]));
    expect(byPayload['null']).toMatchObject({
      origin: 'qerko-bridge',
      reason: 'not a JSON object',
      source: { topic: 'gateway.qerko-replies.v1' },
    });
    expect(byPayload[wrongShape]).toMatchObject({
      origin: 'qerko-bridge',
      source: { topic: 'gateway.qerko-replies.v1' },
    });
    expect(byPayload[wrongShape]!.reason).toMatch(/^not a qerko-reply\.v1: .*answer.*at /);
  });

  it('answers 202 when the POS answers later, then posts exactly one /reply with the API key and Pos-Id', async () => {
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    const request = frame('getTableList', []);
    const res = await send(request);
    expect(res.status).toBe(202);
    const accepted = await reply({ uuid: request.uuid, result: [{ id: 'T1', name: 'Table 1' }] });
    expect(accepted.status).toBe(202);
    const second = await reply({ uuid: request.uuid, result: [] });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('already_answered');
    const [posted] = await eventually(
      () => Promise.resolve(replies(request.uuid).length ? replies(request.uuid) : null),
      5000,
    );
    expect(posted!.path).toBe('/api/v4/reply');
    expect(posted!.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(posted!.headers['pos-id']).toBe(POS_ID);
    expect(JSON.parse(posted!.body.toString())).toEqual({
      type: 'method-call-response',
      uuid: request.uuid,
      result: [{ id: 'T1', name: 'Table 1' }],
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(replies(request.uuid)).toHaveLength(1);
  });

  it('retries /reply after a 500 and still posts exactly one successful reply', async () => {
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    let calls = 0;
    qerko.behaviour = (_, res) => void res.writeHead(++calls === 1 ? 500 : 200).end();
    try {
      const request = frame('paymentProcessed', ['P-1']);
      expect((await send(request)).status).toBe(202);
      expect((await reply({ uuid: request.uuid, result: true })).status).toBe(202);
      const posted = await eventually(
        () => Promise.resolve(replies(request.uuid).length >= 2 ? replies(request.uuid) : null),
        5000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(posted).toHaveLength(2); // the 500, then the one that succeeded; no third
    } finally {
      qerko.behaviour = (_, res) => void res.writeHead(200).end();
    }
  });

  it.each([
    [401, 'wrong API key'],
    [403, 'lacks the scope'],
    [400, 'did not match its schema'],
  ])('does not retry a /reply Qerko refuses with %i, and records what it means', async (status, meaning) => {
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    qerko.behaviour = (_, res) => void res.writeHead(status).end();
    try {
      const request = frame('paymentClosed', ['P-7', 'closed']);
      expect((await send(request)).status).toBe(202);
      expect((await reply({ uuid: request.uuid, result: true })).status).toBe(202);
      await eventually(() => Promise.resolve(replies(request.uuid).length === 1), 5000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(replies(request.uuid)).toHaveLength(1);
      const listed = (
        await call('GET', `${gateway.url('admin-api')}/v1/qerko/requests?method=paymentClosed&state=failed`, {
          key: adminKey,
        })
      ).body.data;
      expect(listed.find((r: { uuid: string }) => r.uuid === request.uuid)).toMatchObject({
        replyStatus: status,
        failureReason: expect.stringContaining(meaning),
      });
    } finally {
      qerko.behaviour = (_, res) => void res.writeHead(200).end();
    }
  });

  it('goes stale when nobody answers: a late answer gets 409, and an unanswered paymentStart is reported', async () => {
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    const request = frame('paymentStart', [{ id: 'P-9', amount: '118.00', currency: 'CZK' }]);
    expect((await send(request)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const late = await reply({ uuid: request.uuid, result: true });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('stale');
    const notice = await eventually(
      () =>
        Promise.resolve(
          ops.requests.map((r) => JSON.parse(r.body.toString())).find((b) => b.data?.uuid === request.uuid),
        ),
      10_000,
    );
    expect(notice).toMatchObject({
      type: 'gateway.qerko.payment_unanswered',
      data: { method: 'paymentStart', reason: expect.stringContaining('did not answer') },
    });
    expect(replies(request.uuid)).toHaveLength(0);
  });

  it('refuses what is not a valid, authentic request', async () => {
    const request = frame('getBill', ['B-1', null]);
    const raw = JSON.stringify(request);
    const good = createHmac('sha256', API_KEY).update(raw).digest('hex');
    const signatures = {
      empty: '',
      garbage: 'deadbeef',
      truncated: good.slice(0, -2),
      'with a prefix': `sha256=${good}`,
      "another restaurant's key": createHmac('sha256', 'another-key').update(raw).digest('base64'),
      'of another body': createHmac('sha256', API_KEY).update(`${raw} `).digest('hex'),
    };
    for (const [name, signature] of Object.entries(signatures)) {
      expect({ name, status: (await send(request, signature)).status }).toEqual({ name, status: 401 });
    }
    const unsigned = await call('POST', webhookUrl, { rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    // None of those was recorded: the same request, signed, is still new.
    expect((await send(request)).status).not.toBe(409);
    const unknown = await send(frame('orderPizza', []));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe('method');
    const badArgs = await send(frame('getBill', [42]));
    expect(badArgs.body.error.details).toEqual([
      { field: 'args', reason: expect.stringContaining('takes 2 argument') },
    ]);
    const expired = await send(frame('getBill', ['B-1', null], { expires: Math.floor(Date.now() / 1000) - 10 }));
    expect(expired.status).toBe(410);
    expect((await reply({ uuid: randomUUID(), result: 1 }, 'gw_live_nope')).status).toBe(401);
  });

  it('when the answer lands right at the sync budget, Qerko still gets exactly one answer', async () => {
    const delays = [1300, 1400, 1450, 1500, 1550, 1600];
    let next = 0;
    pos.behaviour = (_, res) => {
      const delay = delays[next++ % delays.length]!;
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { delay } })),
        delay,
      );
    };
    const outcomes = [];
    for (let i = 0; i < delays.length; i++) {
      const request = frame('getBill', [`R-${i}`, null]);
      const res = await send(request);
      outcomes.push({ uuid: request.uuid, status: res.status });
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const { uuid, status } of outcomes) {
      // 200 = answered in the webhook response, so no /reply; 202 = answered later through exactly one /reply.
      expect({ status, replies: replies(uuid).length }).toEqual(
        status === 200 ? { status, replies: 0 } : { status: 202, replies: 1 },
      );
    }
  });

  it('with two bridge instances, each request still gets exactly one /reply', async () => {
    const second = await gateway.startExtra('qerko-bridge');
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    const requests = Array.from({ length: 6 }, (_, i) => frame('getBill', [`B-${i}`, null]));
    // Webhooks on both instances; answers through both instances.
    const answers = await Promise.all(
      requests.map(async (request, i) => {
        const raw = JSON.stringify(request);
        const url = i % 2 ? webhookUrl.replace(gateway.url('qerko-bridge'), second.url) : webhookUrl;
        const sig = createHmac('sha256', API_KEY).update(raw).digest('hex');
        const res = await call('POST', url, {
          rawBody: raw,
          headers: { 'content-type': 'application/json', 'signature-sha256': sig },
        });
        const replyUrl = `${i % 2 ? gateway.url('qerko-bridge') : second.url}/v1/qerko/replies`;
        const accepted = await call('POST', replyUrl, {
          key: replyKey,
          body: { uuid: request.uuid, result: { id: `B-${i}` } },
        });
        return [res.status, accepted.status];
      }),
    );
    expect(answers.every(([webhook, reply]) => webhook === 202 && reply === 202)).toBe(true);
    await eventually(() => Promise.resolve(requests.every((r) => replies(r.uuid).length >= 1)), 8000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(requests.map((r) => replies(r.uuid).length)).toEqual(requests.map(() => 1));
  });

  it('POST /v1/qerko/replies: 401 without a valid key, 403 without the scope, 404 for another tenant', async () => {
    const admin = gateway.url('admin-api');
    const op = gateway.operatorKey;
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    const request = frame('getBill', ['B-9', null]);
    expect((await send(request)).status).toBe(202);
    const answer = { uuid: request.uuid, result: BILL };
    const newKey = async (tenant: string, scopes: string[]) =>
      (await call('POST', `${admin}/v1/tenants/${tenant}/api-keys`, { key: op, body: { name: 'k', scopes } })).body;
    const revoked = await newKey(tenantId, ['qerko:reply']);
    expect((await call('DELETE', `${admin}/v1/api-keys/${revoked.id}`, { key: op })).status).toBe(204);
    const unscoped = await newKey(tenantId, ['events:read']);
    const other = (await call('POST', `${admin}/v1/tenants`, { key: op, body: { name: 'Another restaurant' } })).body;
    const othersKey = await newKey(other.id, ['qerko:reply']);

    const url = `${gateway.url('qerko-bridge')}/v1/qerko/replies`;
    const cases: Array<[string, number, string | undefined]> = [
      ['no key', 401, undefined],
      ['a key that does not exist', 401, 'gw_live_not-a-real-key-0000000000'],
      ['a revoked key', 401, revoked.key],
      ['a key without qerko:reply', 403, unscoped.key],
      ["another tenant's key", 404, othersKey.key],
      ['the operator key (not a tenant key)', 401, op],
    ];
    for (const [name, status, key] of cases) {
      expect({ name, status: (await call('POST', url, { key, body: answer })).status }).toEqual({ name, status });
    }
    // None of them answered it: the tenant's own key still can, once.
    expect((await reply(answer)).status).toBe(202);
    expect((await reply(answer)).status).toBe(409);
    await eventually(() => Promise.resolve(replies(request.uuid).length === 1), 10_000);
  });

  it('shows the requests with their timelines to the operator view of the admin API', async () => {
    const admin = gateway.url('admin-api');
    const key = adminKey;
    const stale = (await call('GET', `${admin}/v1/qerko/requests?state=stale&method=paymentStart`, { key })).body.data;
    expect(stale[0]).toMatchObject({
      method: 'paymentStart',
      state: 'stale',
      failureReason: expect.stringContaining('did not answer'),
    });
    const synced = (await call('GET', `${admin}/v1/qerko/requests?state=answered_sync`, { key })).body.data;
    expect(synced.length).toBeGreaterThanOrEqual(2);
    expect(synced[0].timeline.map((t: { what: string }) => t.what)).toEqual(
      expect.arrayContaining([
        'received',
        'published to the POS',
        'answered by the POS',
        'answered to Qerko synchronously (200)',
      ]),
    );
    const async = (await call('GET', `${admin}/v1/qerko/requests?state=answered_async`, { key })).body.data;
    expect(async[0]).toMatchObject({ answeredVia: 'reply-api', replyStatus: 200 });
  });

  it('accepts a base64 signature and tolerates unknown extra properties', async () => {
    answerInBody({ result: [] });
    const request = frame('getTableContents', ['T1', 'C1'], { note: 'extra' });
    const raw = JSON.stringify(request);
    const res = await send(request, createHmac('sha256', API_KEY).update(raw).digest('base64'));
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([]);
  });

  it('when the bridge dies right after taking the POS answer, exactly one /reply still reaches Qerko within 15 s', async () => {
    // Last in the suite: until its Kafka session expires (10 s), the dead instance still owns replies-topic
    // partitions, so synchronous answers landing there fall back to /reply meanwhile.
    // An instance whose reply worker never runs takes the answer and dies before it could post: precisely the window
    // between receiving the POS answer and posting /reply. Another instance must post it, once.
    const doomed = await gateway.startExtra('qerko-bridge', { QERKO_REPLY_POLL_MS: '600000' });
    pos.behaviour = (_, res) => void res.writeHead(202).end();
    const request = frame('paymentProcessed', ['P-42']);
    const sentAt = Date.now();
    expect((await send(request)).status).toBe(202);
    const taken = await call('POST', `${doomed.url}/v1/qerko/replies`, {
      key: replyKey,
      body: { uuid: request.uuid, result: true },
    });
    expect(taken.status).toBe(202);
    doomed.process.kill('SIGKILL');
    const [posted] = await eventually(
      () => Promise.resolve(replies(request.uuid).length ? replies(request.uuid) : null),
      15_000,
    );
    expect(posted!.at - sentAt).toBeLessThan(15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(replies(request.uuid)).toHaveLength(1);
  });
});
