import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Portal sessions: a link a partner hands to one merchant, exchanged once for an access token. Both secrets are stored
 * only as SHA-256 hashes (each carries 256 random bits). `endpoint_ids` NULL means every endpoint of the tenant.
 */
export class PortalSessions1765600000000 implements MigrationInterface {
  name = 'PortalSessions1765600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS portal_sessions (
        id           varchar(40) COLLATE "C" PRIMARY KEY,
        tenant_id    varchar(40) COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        endpoint_ids text[] COLLATE "C",
        read_only    boolean NOT NULL,
        token_hash   char(64) NOT NULL UNIQUE,
        access_hash  char(64) UNIQUE,
        created_by   varchar(40) COLLATE "C" NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        expires_at   timestamptz NOT NULL,
        exchanged_at timestamptz,
        revoked_at   timestamptz
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS portal_sessions_expiry_idx ON portal_sessions (expires_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS portal_sessions`);
  }
}
