import { MigrationInterface, QueryRunner } from 'typeorm';

const OPEN = `status IN ('pending', 'retrying')`;

/** Built by this migration: name → columns and predicate. */
const INDEXES = {
  // A lane's open deliveries in order: its head is one probe per partition; empty where no endpoint is ordered.
  deliveries_open_lane_idx: `(endpoint_id, lane, lane_seq) WHERE lane IS NOT NULL AND ${OPEN}`,
  // The retry queue of deliveries without a lane (claimDue): the deliveries waiting in lanes behind a held one are
  // never walked through by it.
  deliveries_due_unordered_idx: `(next_attempt_at) WHERE lane IS NULL AND ${OPEN}`,
};

/**
 * The indexes of ordered endpoints' lanes, and the retry queue's index without them (replacing deliveries_due_idx,
 * which held every open delivery). Built without blocking writes to deliveries: PostgreSQL cannot build an index on a
 * partitioned table concurrently, so each one is declared on the parent only (ON ONLY: invalid, used by no query),
 * built CONCURRENTLY on each partition and attached; once every partition's is attached the parent's is valid, and
 * partitions created later get theirs with the table. Not in a transaction (CONCURRENTLY); every step is idempotent,
 * so a run cut short is finished by the next.
 */
export class LaneIndexes1765450000000 implements MigrationInterface {
  name = 'LaneIndexes1765450000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    const partitions = (await q.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'deliveries'::regclass ORDER BY 1`,
    )) as Array<{ name: string }>;
    for (const [index, definition] of Object.entries(INDEXES)) {
      await q.query(`CREATE INDEX IF NOT EXISTS ${index} ON ONLY deliveries ${definition}`);
      for (const { name } of partitions) {
        const own = `${name}_${index.replace(/^deliveries_/, '')}`.slice(0, 63);
        await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${own} ON ${name} ${definition}`);
        const attached = (await q.query(
          `SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass AND inhparent = $2::regclass`,
          [own, index],
        )) as unknown[];
        if (!attached.length) await q.query(`ALTER INDEX ${index} ATTACH PARTITION ${own}`);
      }
    }
    await q.query(`DROP INDEX IF EXISTS deliveries_due_idx`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS deliveries_due_idx ON deliveries (next_attempt_at) WHERE ${OPEN}`);
    for (const index of Object.keys(INDEXES)) await q.query(`DROP INDEX IF EXISTS ${index}`);
  }
}
