import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamResponse } from './stream-response';

/** A real HTTP server and client: what a spreadsheet download sees when the export fails. */
describe('streamResponse', () => {
  let server: Server;
  let base: string;
  let chunks: () => AsyncGenerator<string>;
  let failure: Error | null = null;

  beforeAll(async () => {
    server = createServer((_, res) => {
      streamResponse(res, { 'content-type': 'text/csv' }, chunks()).catch((err: Error) => {
        failure = err;
        res.writeHead(500).end('error before the first byte');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (failure = null));

  it('sends every chunk and ends the response', async () => {
    chunks = async function* () {
      yield 'id\r\n';
      await Promise.resolve();
      yield 'a\r\n';
      yield 'b\r\n';
    };
    const res = await fetch(base);
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect(await res.text()).toBe('id\r\na\r\nb\r\n');
  });

  it('cuts the response short when a later chunk fails: the client sees an error, not a complete file', async () => {
    chunks = async function* () {
      yield 'id\r\na\r\n';
      await Promise.resolve();
      throw new Error('the database went away');
    };
    const outcome = await fetch(base)
      .then((res) => res.text())
      .then(
        (text) => `complete: ${text}`,
        (err: Error) => `failed: ${err.message}`,
      );
    expect(outcome).toMatch(/^failed/);
  });

  it('lets an error in the first chunk reach the caller, before any header is sent', async () => {
    chunks = async function* () {
      await Promise.resolve();
      throw new Error('invalid input syntax for type timestamp');
      yield '';
    };
    const res = await fetch(base);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBeNull();
    expect(failure?.message).toContain('invalid input syntax');
  });
});
