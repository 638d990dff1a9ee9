import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  at: number;
}

export type ReceiverBehaviour = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

/** A local subscriber endpoint that records every request; its behaviour can be changed mid-test. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private server?: Server;
  behaviour: ReceiverBehaviour = (_, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };

  private host = '127.0.0.1';

  /** Listens on a free port, or on `port` (e.g. its old one, to come back after `stop()`), of a loopback address. */
  async start(port = 0, host = this.host): Promise<this> {
    this.host = host;
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://${this.host}:${this.port}${path}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      body: Buffer.concat(chunks),
      at: Date.now(),
    };
    this.requests.push(recorded);
    this.waiters = this.waiters.filter((w) => (this.requests.length >= w.count ? (w.resolve(), false) : true));
    await this.behaviour(recorded, res);
  }

  /** Resolves when at least `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedRequest[]> {
    if (this.requests.length >= count) return Promise.resolve(this.requests);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver got ${this.requests.length} of ${count} requests within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.requests);
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
