import { MigrationInterface, QueryRunner } from 'typeorm';
import { ATTEMPT_LOG_VIEW } from './1764400000000-first-attempt-in-delivery';

/** Every identifier column, by table: primary keys and the columns that hold another row's id. */
const ID_COLUMNS: Record<string, string[]> = {
  tenants: ['id'],
  api_keys: ['id', 'tenant_id'],
  sources: ['id', 'tenant_id'],
  endpoints: ['id', 'tenant_id'],
  events: ['id', 'tenant_id', 'source_id'],
  deliveries: ['id', 'event_id', 'endpoint_id', 'tenant_id', 'replay_id', 'lease_owner', 'first_attempt_id'],
  delivery_attempts: ['id', 'delivery_id', 'endpoint_id'],
  replays: ['id', 'tenant_id', 'endpoint_id', 'cursor_event_id'],
  qerko_requests: ['id', 'tenant_id', 'source_id', 'event_id'],
  fanout_instances: ['id'],
};

/**
 * Identifiers compare byte by byte (`COLLATE "C"`), whatever the database's collation. Ids are time-ordered and mix
 * upper and lower case (libs/security/src/random-id.ts); under a linguistic collation such as `en_US.UTF-8` or ICU's
 * `en-US` (the default of many managed PostgreSQL services) `a` sorts before `B`, so "newest first" and every list
 * cursor came out wrong. Byte order is also the cheaper comparison.
 *
 * Only the collation changes: no table is rewritten, but the indexes on these columns are rebuilt under an exclusive
 * lock, a few seconds per million deliveries (docs/operations.md, upgrading). The attempt-log view depends on some of
 * the columns, so it is dropped and created again in the same transaction.
 */
export class IdsCollateC1764500000000 implements MigrationInterface {
  name = 'IdsCollateC1764500000000';

  public async up(q: QueryRunner): Promise<void> {
    await this.collate(q, 'C');
  }

  public async down(q: QueryRunner): Promise<void> {
    await this.collate(q, 'default');
  }

  private async collate(q: QueryRunner, collation: 'C' | 'default'): Promise<void> {
    await q.query(`DROP VIEW IF EXISTS delivery_attempt_log`);
    for (const [table, columns] of Object.entries(ID_COLUMNS)) {
      const types = (await q.query(
        `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = ANY($2) AND NOT a.attisdropped`,
        [table, columns],
      )) as Array<{ column: string; type: string }>;
      if (types.length !== columns.length) {
        throw new Error(
          `${table} lacks one of the id columns ${columns.join(', ')}: the schema is not the expected one`,
        );
      }
      // One statement per table, so each of its indexes is rebuilt once.
      const clauses = types.map(({ column, type }) => `ALTER COLUMN "${column}" TYPE ${type} COLLATE "${collation}"`);
      await q.query(`ALTER TABLE "${table}" ${clauses.join(', ')}`);
    }
    await q.query(ATTEMPT_LOG_VIEW);
  }
}
