import { connect, type AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApiError } from './api-error';
import { DirectRequest, DirectRoutes } from './direct-routes';
import { readRawBody } from './raw-body';

/** What the framework would have answered: anything a direct route leaves alone ends up here. */
function framework(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(418, { 'content-type': 'text/plain' });
  res.end(`framework ${req.method} ${req.url}`);
}

describe('DirectRoutes (a real Node server on a free port)', () => {
  let server: Server;
  let base: string;
  let seen: DirectRequest[];
  let failWith: Error | undefined;
  const recorded: Array<[string | undefined, string, number]> = [];
  const metrics = {
    record: (route: string | undefined, method: string, status: number) => recorded.push([route, method, status]),
    recordAbort: jest.fn(),
  };
  const shutdown = { draining: false };

  beforeAll(async () => {
    const direct = new DirectRoutes()
      .add({
        method: 'POST',
        path: '/v1/unserialisable',
        handle: () => Promise.resolve({ status: 200, body: { n: 1n } }),
      })
      .add({
        method: 'POST',
        path: '/v1/things/:kind/:id',
        handle: async (request) => {
          seen.push(request);
          const body = await readRawBody(request.raw, 64);
          if (failWith) throw failWith;
          return { status: 202, body: { id: request.params['id'], length: body.length } };
        },
      });
    direct.open({ metrics: metrics as never, shutdown, requestTimeoutMs: 5000 });
    server = direct.serverFactory(framework, { keepAliveTimeout: 72_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    failWith = undefined;
    recorded.length = 0;
    shutdown.draining = false;
  });

  const post = async (path: string, body = '{}') => {
    const res = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  };

  it('answers its route whatever the case and with a trailing slash, with decoded parameters and the query', async () => {
    for (const path of ['/v1/things/a/x%20y?token=t&n=1&n=2', '/V1/Things/a/x%20y/?token=t&n=1&n=2']) {
      const res = await post(path, '{"a":1}');
      expect([res.status, res.json()]).toEqual([202, { id: 'x y', length: 7 }]);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect(seen.map((r) => [r.params, r.query])).toEqual([
      [
        { kind: 'a', id: 'x y' },
        { token: 't', n: ['1', '2'] },
      ],
      [
        { kind: 'a', id: 'x y' },
        { token: 't', n: ['1', '2'] },
      ],
    ]);
    expect(recorded).toEqual([
      ['/v1/things/:kind/:id', 'POST', 202],
      ['/v1/things/:kind/:id', 'POST', 202],
    ]);
  });

  it('reads a query of any length, and the path of an absolute-form target', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => `k${i}=${i}`).join('&');
    expect((await post(`/v1/things/a/b?${many}&token=t`)).status).toBe(202);
    expect(seen[0]!.query['token']).toBe('t');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = new URL(base);
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end(
          'POST http://example.test/v1/things/a/z?token=u HTTP/1.1\r\nHost: example.test\r\n' +
            'Content-Length: 2\r\nConnection: close\r\n\r\n{}',
        ),
      );
      let received = '';
      socket.on('data', (d) => (received += d.toString()));
      socket.on('error', reject);
      socket.on('close', () =>
        resolve({ status: Number(received.slice(9, 12)), body: received.split('\r\n\r\n')[1]! }),
      );
    });
    expect([res.status, JSON.parse(res.body)]).toEqual([202, { id: 'z', length: 2 }]);
    expect(seen[1]!.query).toEqual({ token: 'u' });
  });

  it('answers 500 in the one shape when the answer itself cannot be sent', async () => {
    const res = await post('/v1/unserialisable');
    expect([res.status, res.json(), res.headers.get('connection')]).toEqual([
      500,
      { error: { status: 500, code: 'internal_error', message: 'Internal error.' } },
      'close',
    ]);
  });

  it('leaves another method, another path or a longer one to the framework', async () => {
    expect((await fetch(`${base}/v1/things/a/b`)).status).toBe(418);
    expect((await post('/v1/things/a')).text).toBe('framework POST /v1/things/a');
    expect((await post('/v1/things/a/b/c')).status).toBe(418);
    expect(seen).toEqual([]);
  });

  it('refuses a badly percent-encoded parameter and a NUL in the URL with 400 invalid_url, before the handler', async () => {
    for (const path of ['/v1/things/a/%zz', '/v1/things/a/b?x=%00']) {
      const res = await post(path);
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({ error: expect.objectContaining({ status: 400, code: 'invalid_url' }) });
    }
    expect(seen).toEqual([]);
  });

  it('answers a thrown ApiError in the one shape with its headers, and anything else as a 500 that leaks nothing', async () => {
    failWith = ApiError.tooManyRequests(3, 'Slow down.');
    const limited = await post('/v1/things/a/b');
    expect([limited.status, limited.headers.get('retry-after'), limited.json()]).toEqual([
      429,
      '3',
      { error: { status: 429, code: 'rate_limited', message: 'Slow down.' } },
    ]);
    failWith = new Error('secret detail');
    const broken = await post('/v1/things/a/b');
    expect([broken.status, broken.json()]).toEqual([
      500,
      { error: { status: 500, code: 'internal_error', message: 'Internal error.' } },
    ]);
    expect(recorded.map(([, , status]) => status)).toEqual([429, 500]);
  });

  it('closes the connection after a 413, and every answer while draining', async () => {
    const tooLarge = await post('/v1/things/a/b', 'x'.repeat(100));
    expect([tooLarge.status, tooLarge.json().error.code, tooLarge.headers.get('connection')]).toEqual([
      413,
      'payload_too_large',
      'close',
    ]);
    shutdown.draining = true;
    const drained = await post('/v1/things/a/b');
    expect([drained.status, drained.headers.get('connection')]).toEqual([202, 'close']);
  });

  it('names its methods for a path (the framework answers 405 with them)', () => {
    const direct = new DirectRoutes().add({ method: 'post', path: '/v1/x/:id', handle: jest.fn() });
    expect([direct.methodsOf('/v1/x/1'), direct.methodsOf('/V1/X/1/'), direct.methodsOf('/v1/x')]).toEqual([
      ['POST'],
      ['POST'],
      [],
    ]);
  });

  it('hands every request to the framework until it is opened', async () => {
    const closed = new DirectRoutes().add({ method: 'POST', path: '/v1/things/:kind/:id', handle: jest.fn() });
    const other = closed.serverFactory(framework, {});
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/things/a/b`, {
      method: 'POST',
    });
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
    expect(res.status).toBe(418);
  });
});
