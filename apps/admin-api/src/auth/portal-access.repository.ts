import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface PortalAccess {
  id: string;
  tenantId: string;
  endpointIds: string[] | null;
  readOnly: boolean;
}

/** Authenticates portal access tokens: read on every request, so a revoked or expired session stops at once. */
@Injectable()
export class PortalAccessRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findLiveByAccessHash(accessHash: string): Promise<PortalAccess | null> {
    const [row] = await this.db.query<PortalAccess[]>(
      `SELECT id, tenant_id AS "tenantId", endpoint_ids AS "endpointIds", read_only AS "readOnly"
         FROM portal_sessions
        WHERE access_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
      [accessHash],
    );
    return row ?? null;
  }
}
