import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { QerkoBridgeConfig } from '../qerko-bridge.config';

/** The channel QerkoRequestsRepository.storeAnswer notifies, with the request's id, when it stores an answer. */
export const ANSWERED_CHANNEL = 'qerko_answered';
/** How long a wait lasts at most without a notification (a missed one: the listening connection was down). */
const FALLBACK_MS = 250;
const RECONNECT_MS = 1000;

/**
 * Wakes a synchronous Qerko request the moment its answer is stored, by any bridge instance: each instance LISTENs on
 * ANSWERED_CHANNEL on a connection of its own (a pooled one cannot keep a LISTEN), and the store NOTIFYs in the
 * statement that stores the answer. Waiting is never only on the signal: a wait ends after FALLBACK_MS anyway and
 * the caller looks at the database again, so a notification lost while the connection was down delays an answer by
 * at most that, and a connection that cannot be made only brings back polling.
 */
@Injectable()
export class AnswerSignals implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AnswerSignals.name);
  private readonly waiters = new Map<string, Set<() => void>>();
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
   * A promise that resolves with true when request `id` is notified as answered (its answer is committed: the
   * notification is sent at commit), or with false at `deadline` (ms) or FALLBACK_MS from now, whichever is first.
   * Take it before looking at the database: an answer stored in between still wakes it.
   */
  next(id: string, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      const done = (notified: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        if (!set.size) this.waiters.delete(id);
        resolve(notified);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, Math.min(deadline - Date.now(), FALLBACK_MS)));
      set.add(wake);
    });
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.QERKO_LISTEN_DATABASE_URL || this.config.DATABASE_URL,
      application_name: 'qerko-bridge-listen',
    });
    client.on('notification', (message) => {
      for (const wake of [...(this.waiters.get(message.payload ?? '') ?? [])]) wake();
    });
    client.on('error', (err: Error) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${ANSWERED_CHANNEL}`);
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
