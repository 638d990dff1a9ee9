import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface Recovery {
  id: string;
  tenantId: string;
  endpointId: string;
  since: Date;
  total: number;
  createdAt: Date;
}

export interface RecoveryOutcomes {
  succeeded: number;
  failed: number;
}

@Injectable()
export class RecoveriesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Schedules every finally failed delivery of the endpoint created since `since` for an attempt now (fan-out's
   * retry poller sends it, as `POST /v1/deliveries/{id}/retry` does one), tagged with the recovery, and records the
   * recovery with their count: one transaction, so a recovery never exists without its deliveries or the reverse.
   */
  async recover(recovery: Omit<Recovery, 'total' | 'createdAt'>): Promise<Recovery> {
    return this.db.transaction(async (tx) => {
      const [recovered] = await tx.query<Array<{ total: number }>>(
        `WITH recovered AS (
           UPDATE deliveries
              SET status = 'retrying', next_attempt_at = now(), lease_until = NULL, completed_at = NULL,
                  recovery_id = $1, updated_at = now()
            WHERE endpoint_id = $2 AND tenant_id = $3 AND status = 'failed' AND created_at >= $4
            RETURNING 1)
         SELECT count(*)::int AS total FROM recovered`,
        [recovery.id, recovery.endpointId, recovery.tenantId, recovery.since.toISOString()],
      );
      const [row] = await tx.query<Recovery[]>(
        `INSERT INTO recoveries (id, tenant_id, endpoint_id, since, total) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, tenant_id AS "tenantId", endpoint_id AS "endpointId", since, total, created_at AS "createdAt"`,
        [recovery.id, recovery.tenantId, recovery.endpointId, recovery.since.toISOString(), recovered!.total],
      );
      return row!;
    });
  }

  async findForTenant(tenantId: string, id: string): Promise<Recovery | null> {
    const [row] = await this.db.query<Recovery[]>(
      `SELECT id, tenant_id AS "tenantId", endpoint_id AS "endpointId", since, total, created_at AS "createdAt"
         FROM recoveries WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId],
    );
    return row ?? null;
  }

  async outcomes(id: string): Promise<RecoveryOutcomes> {
    const [row] = await this.db.query<RecoveryOutcomes[]>(
      `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM deliveries WHERE recovery_id = $1`,
      [id],
    );
    return row ?? { succeeded: 0, failed: 0 };
  }
}
