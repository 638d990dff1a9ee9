import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's payload filter (see `endpointFilterProblems` in @gateway/contracts): the JSON object its owner gave,
 * or NULL for none. Validated by admin-api, compiled by fan-out. A nullable column with no default rewrites nothing.
 */
export class EndpointFilter1765200000000 implements MigrationInterface {
  name = 'EndpointFilter1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS filter jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS filter`);
  }
}
