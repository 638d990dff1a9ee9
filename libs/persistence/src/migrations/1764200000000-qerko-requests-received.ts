import { MigrationInterface, QueryRunner } from 'typeorm';

/** Recent Qerko requests across tenants (the qerko-bridge's requests-by-state metric reads the last hour). */
export class QerkoRequestsReceived1764200000000 implements MigrationInterface {
  name = 'QerkoRequestsReceived1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX qerko_requests_received_idx ON qerko_requests (received_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS qerko_requests_received_idx`);
  }
}
