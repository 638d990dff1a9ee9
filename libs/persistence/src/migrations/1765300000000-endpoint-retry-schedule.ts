import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's own retry schedule: its delays as its owner wrote them (`{10s,1m,10m,1h}`, checked by admin-api), or
 * NULL for the deployment's GATEWAY_RETRY_SCHEDULE. A nullable column with no default rewrites nothing.
 */
export class EndpointRetrySchedule1765300000000 implements MigrationInterface {
  name = 'EndpointRetrySchedule1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS retry_schedule text[]`);
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE endpoints ADD CONSTRAINT endpoints_retry_schedule_steps
          CHECK (retry_schedule IS NULL OR cardinality(retry_schedule) BETWEEN 1 AND 20);
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS retry_schedule`);
  }
}
