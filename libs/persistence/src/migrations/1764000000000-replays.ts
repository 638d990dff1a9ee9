import { MigrationInterface, QueryRunner } from 'typeorm';

/** Replay jobs: re-send a window of events to one endpoint, throttled, with readable progress. */
export class Replays1764000000000 implements MigrationInterface {
  name = 'Replays1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replays (
        id varchar(40) PRIMARY KEY,
        tenant_id varchar(40) NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        endpoint_id varchar(40) NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        since timestamptz NOT NULL,
        until timestamptz NOT NULL,
        event_types text[] NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('pending', 'running', 'completed')),
        total integer NOT NULL,
        scheduled integer NOT NULL DEFAULT 0,
        cursor_received_at timestamptz,
        cursor_event_id varchar(64),
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX replays_open_idx ON replays (created_at) WHERE status IN ('pending', 'running')`);
    await q.query(`CREATE INDEX deliveries_replay_idx ON deliveries (replay_id) WHERE replay_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS deliveries_replay_idx`);
    await q.query(`DROP TABLE IF EXISTS replays`);
  }
}
