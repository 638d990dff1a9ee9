import { createHmac } from 'node:crypto';
import { KAYNKO_EXAMPLES, Receiver } from '@gateway/testing';

const SALE = KAYNKO_EXAMPLES['sale.completed'];

/**
 * A provider at a steady rate: signed Kaynko sales, each unique (receipt `<prefix>-<n>`), sent on schedule whatever
 * the answers. Remembers which got a 2xx — the events the gateway promised to deliver.
 *
 * Given several ingest URLs it acts as a load balancer in front of them: requests go round robin, and one that got no
 * answer at all (the instance is restarting) is sent once more to the next URL. Event ids derive from the body, so a
 * body accepted twice is still one event.
 */
export class SignedLoad {
  /** Receipt → when ingest answered 2xx for it. */
  readonly accepted = new Map<string, number>();
  /** Receipt → when its request was sent (the first time). */
  readonly sentAt = new Map<string, number>();
  /** Answered, but not 2xx (e.g. 503 while Kafka is down): the provider knows and retries. */
  refused = 0;
  /** No answer at all (connection refused or reset, timeout): the provider knows too. */
  failed = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private seq = 0;

  private readonly urls: string[];

  constructor(readonly options: { url: string | string[]; secret: string; prefix: string; ratePerSecond: number }) {
    this.urls = Array.isArray(options.url) ? options.url : [options.url];
  }

  /** The receipt number of `receipt` (its `<n>`). */
  static seq(receipt: string): number {
    return Number(receipt.slice(receipt.lastIndexOf('-') + 1));
  }

  start(): void {
    const started = Date.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * this.options.ratePerSecond) - sent;
      for (let i = 0; i < due; i++, sent++) this.sendOne();
    }, 10);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private sendOne(): void {
    const n = ++this.seq;
    const receipt = `${this.options.prefix}-${n}`;
    const body = JSON.stringify({ ...SALE, data: { ...SALE.data, saleId: n, receiptNumber: receipt } });
    const signature = `sha256=${createHmac('sha256', this.options.secret).update(body).digest('hex')}`;
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-kaynko-event': 'sale.completed',
          'x-kaynko-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    const first = n % this.urls.length;
    this.sentAt.set(receipt, Date.now());
    const request = post(this.urls[first]!)
      .catch((err: Error) => {
        if (this.urls.length === 1) throw err;
        return post(this.urls[(first + 1) % this.urls.length]!);
      })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.ok) this.accepted.set(receipt, Date.now());
        else this.refused++;
      })
      .catch(() => {
        this.failed++;
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }
}

/** How many times each receipt of this load reached the receiver. */
export function receiptsAt(receiver: Receiver, prefix: string): Map<string, number> {
  const pattern = new RegExp(`"receiptNumber":"(${prefix}-\\d+)"`);
  const counts = new Map<string, number>();
  for (const request of receiver.requests) {
    const receipt = pattern.exec(request.body.toString())?.[1];
    if (receipt) counts.set(receipt, (counts.get(receipt) ?? 0) + 1);
  }
  return counts;
}

/** Accepted receipts (optionally: accepted up to a moment) that some receiver has not had yet. */
export function undelivered(load: SignedLoad, receivers: Receiver[], prefix: string, acceptedBy = Infinity): string[] {
  const seen = receivers.map((r) => receiptsAt(r, prefix));
  return [...load.accepted]
    .filter(([receipt, at]) => at <= acceptedBy && seen.some((counts) => !counts.has(receipt)))
    .map(([receipt]) => receipt);
}
