import { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionedIndex } from '../sql/partitioned-index';

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
 * which held every open delivery). Built without blocking writes to deliveries (createPartitionedIndex).
 */
export class LaneIndexes1765450000000 implements MigrationInterface {
  name = 'LaneIndexes1765450000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    for (const [index, definition] of Object.entries(INDEXES))
      await createPartitionedIndex(q, 'deliveries', index, definition);
    await q.query(`DROP INDEX IF EXISTS deliveries_due_idx`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS deliveries_due_idx ON deliveries (next_attempt_at) WHERE ${OPEN}`);
    for (const index of Object.keys(INDEXES)) await q.query(`DROP INDEX IF EXISTS ${index}`);
  }
}
