import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** A block: 4 KiB, 32,768 bits. */
const BLOCK_BYTES = 4096;
const BLOCK_BITS = BLOCK_BYTES * 8;
/** Bits set per id. With about 3,400 ids per block (9.6 bits each), 1 in 100 ids never removed looks removed. */
const HASHES = 7;
const IDS_PER_BLOCK = 3400;
/** Ids held in memory before a filter is written. */
const FLUSH_AT = 100_000;

/** Filters are kept this long: after that an expired event is answered "not found". */
export const EXPIRED_FILTER_DAYS = 90;

/**
 * Where an event id's bits are: the filter's block is `hash mod blocks` (the number of blocks of each filter), and
 * HASHES positions in it; all from SHA-256 of `tenantId:eventId`, so one tenant's lookups say nothing of another's.
 */
export function expiredProbe(tenantId: string, eventId: string): { hash: number; bits: number[] } {
  const digest = createHash('sha256').update(`${tenantId}:${eventId}`).digest();
  const bits = Array.from({ length: HASHES }, (_, i) => digest.readUInt16BE(4 + 2 * i) % BLOCK_BITS);
  return { hash: digest.readUInt32BE(0), bits };
}

/**
 * Remembers the ids of removed events: `add` each, then `flush` (also done every 100,000 ids) writes them as one
 * filter, sized to what it holds.
 */
export class ExpiredEventsWriter {
  private pending: Array<[string, string]> = [];
  written = 0;

  constructor(private readonly db: DataSource) {}

  async add(tenantId: string, eventId: string): Promise<void> {
    this.pending.push([tenantId, eventId]);
    if (this.pending.length >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const ids = this.pending;
    this.pending = [];
    const blocks = Array.from({ length: Math.ceil(ids.length / IDS_PER_BLOCK) }, () => Buffer.alloc(BLOCK_BYTES));
    for (const [tenantId, eventId] of ids) {
      const { hash, bits } = expiredProbe(tenantId, eventId);
      const block = blocks[hash % blocks.length]!;
      // PostgreSQL's get_bit counts from the least significant bit of each byte.
      for (const bit of bits) block[bit >> 3] = block[bit >> 3]! | (1 << (bit & 7));
    }
    await this.db.transaction(async (tx) => {
      const [filter] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO expired_event_filters (ids, blocks) VALUES ($1, $2) RETURNING id`,
        [ids.length, blocks.length],
      );
      await tx.query(
        `INSERT INTO expired_event_filter_blocks (filter_id, block, bits)
         SELECT $1, b.n - 1, b.bits FROM unnest($2::bytea[]) WITH ORDINALITY AS b(bits, n)`,
        [filter!.id, blocks],
      );
    });
    this.written += ids.length;
  }
}

/** Whether this tenant's event was removed by retention (in the last 90 days; 1 % of ids never stored say yes). */
export async function wasExpired(db: DataSource, tenantId: string, eventId: string): Promise<boolean> {
  const { hash, bits } = expiredProbe(tenantId, eventId);
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM expired_event_filters f
       JOIN expired_event_filter_blocks b ON b.filter_id = f.id AND b.block = ($1::bigint % f.blocks)
      WHERE ${bits.map((_, i) => `get_bit(b.bits, $${i + 2}) = 1`).join(' AND ')}
      LIMIT 1`,
    [hash, ...bits],
  );
  return rows.length > 0;
}

/** Forgets filters older than EXPIRED_FILTER_DAYS. */
export async function forgetOldExpiredFilters(db: DataSource, now: Date): Promise<void> {
  await db.query(`DELETE FROM expired_event_filters WHERE created_at < $1`, [
    new Date(now.getTime() - EXPIRED_FILTER_DAYS * 86_400_000).toISOString(),
  ]);
}
