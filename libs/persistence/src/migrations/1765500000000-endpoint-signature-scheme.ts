import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An endpoint's signature scheme: `v1` (HMAC-SHA256 with a shared secret, as every endpoint so far) or `v1a` (ed25519:
 * the sealed secret is then a `whsk_…` signing key, and receivers get only its public key). A default on a new column
 * rewrites nothing (PostgreSQL 11+ stores it in the catalog).
 */
export class EndpointSignatureScheme1765500000000 implements MigrationInterface {
  name = 'EndpointSignatureScheme1765500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS signature_scheme varchar(4) NOT NULL DEFAULT 'v1'`);
    await q.query(`
      DO $$ BEGIN
        ALTER TABLE endpoints ADD CONSTRAINT endpoints_signature_scheme_valid CHECK (signature_scheme IN ('v1', 'v1a'));
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN IF EXISTS signature_scheme`);
  }
}
