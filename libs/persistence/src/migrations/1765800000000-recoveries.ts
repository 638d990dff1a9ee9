import { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionedIndex } from '../sql/partitioned-index';

/**
 * Recoveries (`POST /v1/endpoints/{id}/recover`): an endpoint's finally failed deliveries since an instant, attempted
 * again. Each recovered delivery carries its recovery's id, which is how the recovery's progress is counted. The new
 * column has no default (no table rewrite); its index holds only recovered deliveries, built without blocking writes.
 */
export class Recoveries1765800000000 implements MigrationInterface {
  name = 'Recoveries1765800000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS recoveries (
        id          varchar(40) COLLATE "C" PRIMARY KEY,
        tenant_id   varchar(40) COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        endpoint_id varchar(40) COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        since       timestamptz NOT NULL,
        total       integer NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS recovery_id varchar(40) COLLATE "C"`);
    await createPartitionedIndex(
      q,
      'deliveries',
      'deliveries_recovery_idx',
      '(recovery_id, status) WHERE recovery_id IS NOT NULL',
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deliveries_recovery_idx`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN IF EXISTS recovery_id`);
    await q.query(`DROP TABLE IF EXISTS recoveries`);
  }
}
