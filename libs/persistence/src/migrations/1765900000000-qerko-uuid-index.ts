import { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionedIndex } from '../sql/partitioned-index';

/**
 * A POS's answer names its request by tenant and uuid, and the latest such request takes it: `(tenant_id, uuid,
 * received_at DESC)` finds it in one probe. With `(tenant_id, uuid)` alone, a day's partition without statistics yet
 * (each new day's, until autovacuum analyzes it) was read through `(tenant_id, received_at)` instead, for the order,
 * filtering every request of the tenant that day whenever none was waiting for an answer (a late or second answer):
 * about 1 ms for 3,000 requests, growing with the day. Built without blocking writes; replaces qerko_requests_uuid_idx.
 */
export class QerkoUuidIndex1765900000000 implements MigrationInterface {
  name = 'QerkoUuidIndex1765900000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    await createPartitionedIndex(
      q,
      'qerko_requests',
      'qerko_requests_uuid_received_idx',
      '(tenant_id, uuid, received_at DESC)',
    );
    await q.query(`DROP INDEX IF EXISTS qerko_requests_uuid_idx`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS qerko_requests_uuid_idx ON qerko_requests (tenant_id, uuid)`);
    await q.query(`DROP INDEX IF EXISTS qerko_requests_uuid_received_idx`);
  }
}
