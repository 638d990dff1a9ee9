import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, Notification } from 'pg';
import { QERKO_ANSWER_OFFERS_CHANNEL, QerkoReplyV1, readQerkoReply } from '@gateway/contracts';
import { QerkoBridgeConfig } from '../qerko-bridge.config';

/** The channel QerkoRequestsRepository.storeAnswer notifies, with the request's id, when it stores an answer. */
export const ANSWERED_CHANNEL = 'qerko_answered';
/** How long a wait lasts at most without a notification (a missed one: the listening connection was down). */
const FALLBACK_MS = 250;
const RECONNECT_MS = 1000;

/** A synchronous request that waits for its answer: its id, and the tenant, source and uuid an offer names. */
export interface Waiter {
  id: string;
  tenantId: string;
  sourceId: string;
  uuid: string;
}

/**
 * What ended a wait: the answer was stored and committed (by any instance), fan-out offered the POS's answer (not
 * stored yet: the waiter stores it as it closes the request), or neither came within the wait.
 */
export type Woken = 'stored' | { offered: QerkoReplyV1['answer'] } | 'timeout';

/**
 * Wakes a synchronous Qerko request the moment its answer is there, on the instance where it waits. Each instance
 * LISTENs on a connection of its own (a pooled one cannot keep a LISTEN) to two channels:
 * - ANSWERED_CHANNEL: an answer was stored, by any instance (the statement that stores it notifies, at commit);
 * - QERKO_ANSWER_OFFERS_CHANNEL: fan-out offers a POS's synchronous answer the moment it has it, beside the durable
 *   record on `gateway.qerko-replies.v1`, so the waiting request need not wait for that record to be consumed and
 *   stored; an offer no request here waits for is ignored (the record still arrives).
 * Waiting is never only on a notification: a wait ends after FALLBACK_MS anyway and the caller looks at the database
 * again, so a notification lost while the connection was down delays an answer by at most that, and a connection
 * that cannot be made only brings back polling.
 */
@Injectable()
export class AnswerSignals implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AnswerSignals.name);
  private readonly waiters = new Map<string, Set<(woken: Woken) => void>>();
  /** The id waiting under each tenant, source and uuid (an offered answer names those three). */
  private readonly byOfferKey = new Map<string, string>();
  private client: Client | null = null;
  private closing = false;
  private retry?: NodeJS.Timeout;
  private ready: Array<() => void> = [];

  constructor(private readonly config: QerkoBridgeConfig) {}

  onModuleInit(): void {
    void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /** Resolves once this instance listens (for tests and readiness; waits never depend on it). */
  listening(): Promise<void> {
    return this.client ? Promise.resolve() : new Promise((resolve) => this.ready.push(resolve));
  }

  /**
   * A promise that resolves when `waiter`'s answer is stored ('stored': committed, the notification is sent at commit)
   * or offered, or with 'timeout' at `deadline` (ms) or FALLBACK_MS from now, whichever is first. Take it before
   * looking at the database (or before publishing the request): an answer stored or offered in between still wakes it.
   */
  next(waiter: Waiter, deadline: number): Promise<Woken> {
    return new Promise((resolve) => {
      const key = offerKey(waiter.tenantId, waiter.sourceId, waiter.uuid);
      let set = this.waiters.get(waiter.id);
      if (!set) this.waiters.set(waiter.id, (set = new Set()));
      this.byOfferKey.set(key, waiter.id);
      const done = (woken: Woken) => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) {
          this.waiters.delete(waiter.id);
          if (this.byOfferKey.get(key) === waiter.id) this.byOfferKey.delete(key);
        }
        resolve(woken);
      };
      const timer = setTimeout(() => done('timeout'), Math.max(0, Math.min(deadline - Date.now(), FALLBACK_MS)));
      set.add(done);
    });
  }

  private notified(message: Notification): void {
    if (message.channel === ANSWERED_CHANNEL) {
      this.wake(message.payload ?? '', 'stored');
      return;
    }
    const payload = message.payload ?? '';
    // A NUL character cannot be stored in jsonb (the record's way skips such an answer, so the POS can answer through
    // /v1/qerko/replies): not taken here either, so the request closes with 202 as it would without the offer.
    if (payload.includes('\\u0000')) return;
    const offer = readQerkoReply(Buffer.from(payload, 'utf8'));
    if (typeof offer === 'string' || !offer.sourceId) {
      this.logger.warn(`ignored an offered Qerko answer: ${typeof offer === 'string' ? offer : 'no sourceId'}`);
      return;
    }
    const id = this.byOfferKey.get(offerKey(offer.tenantId, offer.sourceId, offer.uuid));
    if (id) this.wake(id, { offered: offer.answer });
  }

  private wake(id: string, woken: Woken): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake(woken);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.QERKO_LISTEN_DATABASE_URL || this.config.DATABASE_URL,
      application_name: 'qerko-bridge-listen',
      // A half-open connection would otherwise look alive while no notification arrives (and PostgreSQL's queue of
      // them, read by every listener, would only grow).
      keepAlive: true,
    });
    client.on('notification', (message) => this.notified(message));
    client.on('error', (err: Error) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${ANSWERED_CHANNEL}; LISTEN ${QERKO_ANSWER_OFFERS_CHANNEL}`);
      this.client = client;
      this.ready.splice(0).forEach((resolve) => resolve());
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  private lost(client: Client, err: Error): void {
    if (this.closing || (this.client !== client && this.client !== null)) return;
    this.client = null;
    client.removeAllListeners();
    client.end().catch(() => undefined);
    this.logger.warn(`not listening for Qerko answers (${err.message}): waiting by polling until it reconnects`);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.listen(), RECONNECT_MS);
  }
}

const offerKey = (tenantId: string, sourceId: string, uuid: string) => `${tenantId} ${sourceId} ${uuid}`;
