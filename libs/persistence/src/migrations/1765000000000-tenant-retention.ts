import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How long a tenant's events, deliveries and attempts are kept: `retention_days` (1–400), or NULL for the
 * deployment's default (GATEWAY_RETENTION_DAYS, 30). Adding a nullable column with no default rewrites nothing.
 */
export class TenantRetention1765000000000 implements MigrationInterface {
  name = 'TenantRetention1765000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN IF NOT EXISTS retention_days integer`);
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE tenants ADD CONSTRAINT tenants_retention_days_range
          CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 400);
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN IF EXISTS retention_days`);
  }
}
