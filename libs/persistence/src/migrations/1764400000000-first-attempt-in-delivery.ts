import { MigrationInterface, QueryRunner } from 'typeorm';

/** The attempt log as one relation: attempts in their own rows, and first attempts kept in their delivery's row. */
export const ATTEMPT_LOG_VIEW = `
  CREATE OR REPLACE VIEW delivery_attempt_log AS
    SELECT id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, error_class, error_message,
           response_body, timings
      FROM delivery_attempts
    UNION ALL
    SELECT first_attempt_id, id, endpoint_id, 1, first_attempt_started_at, first_attempt_duration_ms,
           first_attempt_status_code, first_attempt_error_class, first_attempt_error_message,
           first_attempt_response_body, first_attempt_timings
      FROM deliveries
     WHERE first_attempt_id IS NOT NULL`;

/**
 * A delivery created together with its first attempt (fan-out's usual case: attempted from memory, then written once)
 * keeps that attempt in its own row instead of a row of delivery_attempts: one row and three index entries fewer per
 * delivery, about a quarter of PostgreSQL's work per delivery (docs/benchmarks.md). Later attempts still get rows of
 * their own. Readers use the view delivery_attempt_log, which is both.
 *
 * Not in a transaction, so that the index is built without blocking writes to deliveries (CONCURRENTLY); every step is
 * idempotent, so a run cut short is simply run again.
 */
export class FirstAttemptInDelivery1764400000000 implements MigrationInterface {
  name = 'FirstAttemptInDelivery1764400000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries
      ADD COLUMN IF NOT EXISTS first_attempt_id varchar(40),
      ADD COLUMN IF NOT EXISTS first_attempt_started_at timestamptz,
      ADD COLUMN IF NOT EXISTS first_attempt_duration_ms integer,
      ADD COLUMN IF NOT EXISTS first_attempt_status_code integer,
      ADD COLUMN IF NOT EXISTS first_attempt_error_class varchar(32),
      ADD COLUMN IF NOT EXISTS first_attempt_error_message text,
      ADD COLUMN IF NOT EXISTS first_attempt_response_body text,
      ADD COLUMN IF NOT EXISTS first_attempt_timings jsonb`);
    // An earlier run cut short during the concurrent build leaves an invalid index behind: built again.
    await q.query(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                  WHERE c.relname = 'deliveries_first_attempt_endpoint_idx' AND NOT i.indisvalid) THEN
        DROP INDEX deliveries_first_attempt_endpoint_idx;
      END IF;
    END $$`);
    // Endpoint statistics read attempts by endpoint and time, as delivery_attempts_endpoint_idx serves the others.
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS deliveries_first_attempt_endpoint_idx
      ON deliveries (endpoint_id, first_attempt_started_at DESC) WHERE first_attempt_id IS NOT NULL`);
    await q.query(ATTEMPT_LOG_VIEW);
  }

  public async down(q: QueryRunner): Promise<void> {
    // First attempts kept in deliveries go back to rows of their own before the columns go.
    await q.query(`INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms,
                                                 status_code, error_class, error_message, response_body, timings)
      SELECT first_attempt_id, id, endpoint_id, 1, first_attempt_started_at, first_attempt_duration_ms,
             first_attempt_status_code, first_attempt_error_class, first_attempt_error_message,
             first_attempt_response_body, first_attempt_timings
        FROM deliveries WHERE first_attempt_id IS NOT NULL
      ON CONFLICT (id) DO NOTHING`);
    await q.query(`DROP VIEW IF EXISTS delivery_attempt_log`);
    await q.query(`DROP INDEX IF EXISTS deliveries_first_attempt_endpoint_idx`);
    await q.query(`ALTER TABLE deliveries
      DROP COLUMN IF EXISTS first_attempt_id,
      DROP COLUMN IF EXISTS first_attempt_started_at,
      DROP COLUMN IF EXISTS first_attempt_duration_ms,
      DROP COLUMN IF EXISTS first_attempt_status_code,
      DROP COLUMN IF EXISTS first_attempt_error_class,
      DROP COLUMN IF EXISTS first_attempt_error_message,
      DROP COLUMN IF EXISTS first_attempt_response_body,
      DROP COLUMN IF EXISTS first_attempt_timings`);
  }
}
