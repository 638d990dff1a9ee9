import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface NewPortalSession {
  id: string;
  tenantId: string;
  endpointIds: string[] | null;
  readOnly: boolean;
  tokenHash: string;
  createdBy: string;
  expiresInSeconds: number;
}

export interface CurrentPortalSession {
  id: string;
  tenantId: string;
  tenantName: string;
  endpointIds: string[] | null;
  readOnly: boolean;
  expiresAt: Date;
}

/** Sessions ended more than this long ago are deleted (whenever a new one is made). */
const KEEP_ENDED = "interval '7 days'";

@Injectable()
export class PortalSessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(s: NewPortalSession): Promise<Date> {
    await this.db.query(`DELETE FROM portal_sessions WHERE expires_at < now() - ${KEEP_ENDED}`);
    const [row] = await this.db.query<Array<{ expiresAt: Date }>>(
      `INSERT INTO portal_sessions (id, tenant_id, endpoint_ids, read_only, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
       RETURNING expires_at AS "expiresAt"`,
      [s.id, s.tenantId, s.endpointIds, s.readOnly, s.tokenHash, s.createdBy, s.expiresInSeconds],
    );
    return row!.expiresAt;
  }

  /** Which of `ids` are endpoints of the tenant. */
  async endpointsOf(tenantId: string, ids: string[]): Promise<Set<string>> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `SELECT id FROM endpoints WHERE tenant_id = $1 AND id = ANY($2::text[])`,
      [tenantId, ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Exchanges a link token for an access token, once: one statement, so two tabs opening the same link cannot both
   * get in. Null when there is no such link, or it was exchanged, revoked or has expired.
   */
  async exchange(tokenHash: string, accessHash: string): Promise<{ id: string; expiresAt: Date } | null> {
    const [row] = await this.db.query<Array<{ id: string; expiresAt: Date }>>(
      `WITH taken AS (
         UPDATE portal_sessions SET exchanged_at = now(), access_hash = $2
          WHERE token_hash = $1 AND exchanged_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING id, expires_at)
       SELECT id, expires_at AS "expiresAt" FROM taken`,
      [tokenHash, accessHash],
    );
    return row ?? null;
  }

  /** Ends a session at once; false when there is none by that id (in the tenant, unless `tenantId` is null). */
  async revoke(id: string, tenantId: string | null): Promise<boolean> {
    const [row] = await this.db.query<Array<{ found: number }>>(
      `WITH visible AS (
         SELECT id FROM portal_sessions WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)),
       ended AS (
         UPDATE portal_sessions SET revoked_at = now()
          WHERE id IN (SELECT id FROM visible) AND revoked_at IS NULL RETURNING id)
       SELECT count(*)::int AS found FROM visible`,
      [id, tenantId],
    );
    return (row?.found ?? 0) > 0;
  }

  async current(id: string): Promise<CurrentPortalSession | null> {
    const [row] = await this.db.query<CurrentPortalSession[]>(
      `SELECT s.id, s.tenant_id AS "tenantId", t.name AS "tenantName", s.endpoint_ids AS "endpointIds",
              s.read_only AS "readOnly", s.expires_at AS "expiresAt"
         FROM portal_sessions s JOIN tenants t ON t.id = s.tenant_id
        WHERE s.id = $1`,
      [id],
    );
    return row ?? null;
  }
}
