import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin API's idempotency keys: for 24 h, the first answer to a `POST` sent with `Idempotency-Key`, per API key
 * (`principal`: the key's id, or `operator`). Rows older than 24 h are ignored by lookups and deleted by admin-api.
 */
export class IdempotencyKeys1764700000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        principal   text COLLATE "C" NOT NULL,
        key         text COLLATE "C" NOT NULL,
        fingerprint text NOT NULL,
        status      smallint NOT NULL,
        body        text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at)`);
  }

  /** Losing the table only means retries within 24 h run again: nothing else depends on it. */
  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
