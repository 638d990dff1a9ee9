import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';

/** The connection idempotency claims hold open while their request runs: its own pool, never the handlers'. */
export const IDEMPOTENCY_CONNECTION = 'idempotency';

/** How long a key is remembered. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/** The first answer given for a key, as it was sent. */
export interface StoredAnswer {
  status: number;
  /** The JSON body as sent; null for an answer without a body (204). */
  body: string | null;
}

/** A key now owned by this request: store its answer, or give the key back if the request failed. */
export interface HeldKey {
  complete: (answer: StoredAnswer) => Promise<void>;
  release: () => Promise<void>;
}

export type Claim =
  | { kind: 'held'; key: HeldKey }
  | { kind: 'answered'; fingerprint: string; answer: StoredAnswer }
  /** Another request with this key is still running after `lock_timeout`. */
  | { kind: 'busy' };

const LOCK_NOT_AVAILABLE = '55P03';

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource(IDEMPOTENCY_CONNECTION) private readonly db: DataSource) {}

  /**
   * Claims `key` for `principal`: inserts its row in a transaction left open until the request ends, so a concurrent
   * request with the same key waits in PostgreSQL (on the row's unique index) for the first one's answer, on any
   * instance. A row older than the window is taken over as if absent.
   */
  async claim(principal: string, key: string, fingerprint: string, waitMs: number): Promise<Claim> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
      const inserted = (await runner.query(
        `INSERT INTO idempotency_keys (principal, key, fingerprint, status, body)
         VALUES ($1, $2, $3, 0, NULL)
         ON CONFLICT (principal, key) DO UPDATE
           SET fingerprint = EXCLUDED.fingerprint, status = 0, body = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})
         RETURNING 1`,
        [principal, key, fingerprint],
      )) as unknown[];
      if (inserted.length) return { kind: 'held', key: held(runner, principal, key) };
      const rows = (await runner.query(
        `SELECT fingerprint, status, body FROM idempotency_keys WHERE principal = $1 AND key = $2`,
        [principal, key],
      )) as Array<{ fingerprint: string; status: number; body: string | null }>;
      await finish(runner, 'commit');
      const row = rows[0];
      // Deleted between the two statements (it had just expired): claim again, from scratch.
      if (!row) return this.claim(principal, key, fingerprint, waitMs);
      return { kind: 'answered', fingerprint: row.fingerprint, answer: { status: row.status, body: row.body } };
    } catch (err) {
      await finish(runner, 'rollback');
      if ((err as { driverError?: { code?: string } }).driverError?.code === LOCK_NOT_AVAILABLE)
        return { kind: 'busy' };
      throw err;
    }
  }

  /** Deletes up to `limit` keys past the window; returns how many. */
  async deleteExpired(limit: number): Promise<number> {
    const rows: Array<{ deleted: number }> = await this.db.query(
      `WITH gone AS (
         DELETE FROM idempotency_keys WHERE (principal, key) IN (
           SELECT principal, key FROM idempotency_keys
           WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})
           LIMIT $1)
         RETURNING 1)
       SELECT count(*)::int AS deleted FROM gone`,
      [limit],
    );
    return rows[0]?.deleted ?? 0;
  }
}

function held(runner: QueryRunner, principal: string, key: string): HeldKey {
  return {
    async complete(answer) {
      try {
        await runner.query(`UPDATE idempotency_keys SET status = $3, body = $4 WHERE principal = $1 AND key = $2`, [
          principal,
          key,
          answer.status,
          answer.body,
        ]);
        await finish(runner, 'commit');
      } catch (err) {
        await finish(runner, 'rollback');
        throw err;
      }
    },
    release: () => finish(runner, 'rollback'),
  };
}

async function finish(runner: QueryRunner, how: 'commit' | 'rollback'): Promise<void> {
  if (runner.isReleased) return;
  try {
    if (runner.isTransactionActive) {
      if (how === 'commit') await runner.commitTransaction();
      else await runner.rollbackTransaction();
    }
  } finally {
    await runner.release();
  }
}
