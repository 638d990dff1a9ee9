import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReplayEntity, eventMatchParams, eventMatchSql } from '@gateway/persistence';

@Injectable()
export class ReplaysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The tenant's own retention in days, or null for the deployment's default. */
  async retentionDays(tenantId: string): Promise<number | null> {
    const [row] = await this.db.query<Array<{ days: number | null }>>(
      `SELECT retention_days AS days FROM tenants WHERE id = $1`,
      [tenantId],
    );
    return row?.days ?? null;
  }

  async countMatching(tenantId: string, since: Date, until: Date, patterns: string[]): Promise<number> {
    const [row] = await this.db.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM events e
        WHERE e.tenant_id = $1 AND e.received_at >= $2 AND e.received_at < $3 AND ${eventMatchSql('e', 4)}`,
      [tenantId, since.toISOString(), until.toISOString(), ...eventMatchParams(patterns)],
    );
    return row?.count ?? 0;
  }

  async insert(
    replay: Pick<ReplayEntity, 'id' | 'tenantId' | 'endpointId' | 'since' | 'until' | 'eventTypes' | 'total'>,
  ): Promise<void> {
    await this.db.getRepository(ReplayEntity).insert({
      ...replay,
      status: replay.total ? 'pending' : 'completed',
      completedAt: replay.total ? null : new Date(),
    });
  }

  findForTenant(tenantId: string, id: string): Promise<ReplayEntity | null> {
    return this.db.getRepository(ReplayEntity).findOneBy({ id, tenantId });
  }

  /** How the replay's deliveries ended so far, and when the last of them did. */
  async outcomes(replayId: string): Promise<ReplayOutcomes> {
    const [row] = await this.db.query<ReplayOutcomes[]>(
      `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              max(completed_at) AS "lastCompletedAt"
         FROM deliveries WHERE replay_id = $1`,
      [replayId],
    );
    return row ?? { succeeded: 0, failed: 0, lastCompletedAt: null };
  }
}

export interface ReplayOutcomes {
  succeeded: number;
  failed: number;
  lastCompletedAt: Date | null;
}
