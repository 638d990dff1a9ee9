import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each Qerko request's lifecycle. Transitions are single conditional UPDATEs (the row lock serialises them), so two
 * bridge instances and a crash at any moment can never produce two answers for one request.
 */
export class QerkoRequests1764100000000 implements MigrationInterface {
  name = 'QerkoRequests1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE qerko_requests (
        id varchar(40) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        source_id varchar(40) NOT NULL,
        uuid varchar(64) NOT NULL,
        method varchar(32) NOT NULL,
        args jsonb NOT NULL,
        event_id varchar(64) NOT NULL,
        state varchar(16) NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'answered_sync', 'answered_async', 'failed', 'stale')),
        received_at timestamptz NOT NULL DEFAULT now(),
        deadline_at timestamptz NOT NULL,
        sync_closed_at timestamptz,
        answer jsonb,
        answered_at timestamptz,
        answered_via varchar(16),
        reply_lease_until timestamptz,
        reply_started_at timestamptz,
        reply_attempts integer NOT NULL DEFAULT 0,
        reply_status integer,
        replied_at timestamptz,
        failure_reason text,
        timeline jsonb NOT NULL DEFAULT '[]'::jsonb,
        UNIQUE (source_id, uuid)
      )`);
    await q.query(`CREATE INDEX qerko_requests_tenant_idx ON qerko_requests (tenant_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX qerko_requests_open_idx ON qerko_requests (deadline_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX qerko_requests_uuid_idx ON qerko_requests (tenant_id, uuid)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS qerko_requests`);
  }
}
