import { MigrationInterface, QueryRunner } from 'typeorm';

/** When an endpoint's current run of failures started; fan-out disables endpoints failing for days. */
export class EndpointFailingSince1763900000000 implements MigrationInterface {
  name = 'EndpointFailingSince1763900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN failing_since timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN failing_since`);
  }
}
