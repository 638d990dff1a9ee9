import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who holds a delivery's lease, and whether they are alive: each fan-out instance heartbeats a row here, so the
 * deliveries a crashed instance held are taken over once its heartbeat is stale, not when their lease runs out.
 */
export class FanoutInstances1764300000000 implements MigrationInterface {
  name = 'FanoutInstances1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE fanout_instances (
      id varchar(40) PRIMARY KEY,
      started_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN lease_owner varchar(40)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP COLUMN lease_owner`);
    await q.query(`DROP TABLE fanout_instances`);
  }
}
