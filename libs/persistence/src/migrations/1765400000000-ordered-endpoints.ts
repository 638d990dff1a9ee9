import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ordered endpoints. `endpoints.ordering` (none | source | key) and `ordering_key` (a JSON Pointer, with `key` only);
 * `deliveries.lane` names the line a delivery of an ordered endpoint waits in (see compileOrdering) and `lane_seq` its
 * place there: the event's Kafka offset (one source's events share a partition), or for a replay the order it
 * scheduled them in (`replay_lane_seq`). Their indexes are built by LaneIndexes1765450000000, without blocking writes.
 */
export class OrderedEndpoints1765400000000 implements MigrationInterface {
  name = 'OrderedEndpoints1765400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS ordering varchar(8) NOT NULL DEFAULT 'none'`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS ordering_key text`);
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE endpoints ADD CONSTRAINT endpoints_ordering_valid CHECK (
          ordering IN ('none', 'source', 'key') AND (ordering_key IS NOT NULL) = (ordering = 'key'));
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS lane text`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS lane_seq bigint`);
    await q.query(`CREATE SEQUENCE IF NOT EXISTS replay_lane_seq`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE IF EXISTS replay_lane_seq`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN IF EXISTS lane_seq, DROP COLUMN IF EXISTS lane`);
    await q.query(`ALTER TABLE endpoints DROP CONSTRAINT IF EXISTS endpoints_ordering_valid`);
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS ordering_key, DROP COLUMN IF EXISTS ordering`);
  }
}
