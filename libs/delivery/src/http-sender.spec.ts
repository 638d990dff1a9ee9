import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dispatcher } from 'undici';
import { UrlGuard } from '@gateway/security';
import { HttpSender } from './http-sender';

const guard = new UrlGuard({ allowHttp: true, allowedPrivateCidrs: ['127.0.0.1/32'] });

describe('HttpSender', () => {
  let server: Server;
  let url: string;
  const received: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req);
      req.resume().on('end', () => res.end(req.url === '/big' ? 'x'.repeat(5000) : 'ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => received.splice(0));

  const ok = (sender: HttpSender) =>
    sender.send({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000 });

  it('refuses headers the client cannot send without touching the connection pool', async () => {
    const sender = new HttpSender(guard, { connectionsPerOrigin: 1, responseBodyLimitBytes: 1024 });
    try {
      for (const headers of <Array<Record<string, string>>>[
        { expect: '100-continue' },
        { Upgrade: 'websocket' },
        { 'KEEP-ALIVE': 'timeout=5' },
        { 'x-bell': 'a\u0007b' },
        { 'x-euro': '€' },
        { 'bad name': 'x' },
      ]) {
        const result = await sender.send({ url, headers, body: '{}', timeoutMs: 2000 });
        expect(result).toMatchObject({ statusCode: null, errorClass: 'invalid_request' });
      }
      // The single connection slot of the origin is still there.
      expect(await ok(sender)).toMatchObject({ statusCode: 200, errorClass: null });
      expect(received).toHaveLength(1);
    } finally {
      await sender.close();
    }
  });

  it('keeps delivering to an origin after the client throws before sending', async () => {
    // A body undici refuses makes it throw while dispatching, the way a header it refuses did: each such request
    // used to take one of the origin's connection slots for good, stalling every later request to it.
    const sender = new HttpSender(guard, { connectionsPerOrigin: 2, responseBodyLimitBytes: 1024 });
    try {
      for (let i = 0; i < 3; i++) {
        const result = await sender.send({ url, headers: {}, body: { not: 'a body' } as never, timeoutMs: 2000 });
        expect(result.statusCode).toBeNull();
        expect(result.errorClass).not.toBeNull();
      }
      const results = await Promise.all([ok(sender), ok(sender), ok(sender)]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    } finally {
      await sender.close();
    }
  });

  it('keeps at most the configured bytes of an answer, and says when the target is an allowed private address', async () => {
    const sender = new HttpSender(guard, { connectionsPerOrigin: 1, responseBodyLimitBytes: 1024 });
    try {
      const base = url.replace('/hook', '');
      for (const target of [`${base}/big`, `${base.replace('127.0.0.1', 'LOCALHOST.')}/big`]) {
        const result = await sender.send({ url: target, headers: {}, body: '{}', timeoutMs: 2000 });
        expect([target, result.statusCode, result.body?.length, sender.reachesPrivately(target)]).toEqual([
          target,
          200,
          1024,
          true,
        ]);
      }
    } finally {
      await sender.close();
    }
  });

  it('ends an attempt at its hard deadline whatever the client does, and never writes it afterwards', async () => {
    const held: Dispatcher.DispatchHandler[] = [];
    const silent = {
      dispatch: (_options: unknown, handler: Dispatcher.DispatchHandler) => (held.push(handler), true),
      close: () => Promise.resolve(),
      destroy: () => Promise.resolve(),
    } as unknown as Dispatcher;
    const sender = new HttpSender(guard, {
      connectionsPerOrigin: 1,
      responseBodyLimitBytes: 1024,
      connectTimeoutMs: 100,
      createDispatcher: () => silent,
    });
    const started = Date.now();
    const result = await sender.send({ url, headers: {}, body: '{}', timeoutMs: 200 });
    const took = Date.now() - started;
    expect(result).toMatchObject({ statusCode: null, errorClass: 'timeout' });
    expect(result.errorMessage).toContain('hard deadline');
    expect(took).toBeGreaterThanOrEqual(1250); // connect 100 + timeout 200 + grace 1000
    expect(took).toBeLessThan(5000);
    // The client gets round to it later: the request is aborted before it is written.
    const abort = jest.fn();
    held[0]!.onConnect!(abort);
    expect(abort).toHaveBeenCalledTimes(1);
  });
});
