import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EndpointEntity } from '@gateway/persistence';

@Injectable()
export class EndpointsRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  async insert(endpoint: Omit<EndpointEntity, 'createdAt' | 'updatedAt'>): Promise<EndpointEntity> {
    await this.endpoints.insert(endpoint);
    return (await this.endpoints.findOneBy({ id: endpoint.id }))!;
  }

  findForTenant(tenantId: string, id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOneBy({ id, tenantId });
  }

  /** `only`: just these ids (a portal session's endpoints). */
  list(
    tenantId: string,
    limit: number,
    afterId: string | null,
    only: readonly string[] | null,
  ): Promise<EndpointEntity[]> {
    const query = this.endpoints
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (afterId) query.andWhere('e.id < :afterId', { afterId });
    if (only) query.andWhere('e.id IN (:...only)', { only });
    return query.getMany();
  }

  async update(id: string, patch: Partial<EndpointEntity>): Promise<EndpointEntity> {
    await this.endpoints.update({ id }, patch);
    return (await this.endpoints.findOneBy({ id }))!;
  }

  /**
   * Attempts in the window, from the attempt log (delivery_attempts and the first attempts kept in deliveries): counts,
   * latency percentiles and failures by error class.
   */
  async stats(
    endpointId: string,
    since: Date,
  ): Promise<{
    attempts: number;
    succeeded: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    failures: Array<{ reason: string; count: number }>;
  }> {
    const [totals] = await this.endpoints.query<
      Array<{ attempts: number; succeeded: number; p50: number | null; p95: number | null; p99: number | null }>
    >(
      `SELECT count(*)::int AS attempts,
              count(*) FILTER (WHERE error_class IS NULL)::int AS succeeded,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
         FROM delivery_attempt_log WHERE endpoint_id = $1 AND started_at >= $2`,
      [endpointId, since.toISOString()],
    );
    const failures = await this.endpoints.query<Array<{ reason: string; count: number }>>(
      `SELECT error_class AS reason, count(*)::int AS count FROM delivery_attempt_log
        WHERE endpoint_id = $1 AND started_at >= $2 AND error_class IS NOT NULL
        GROUP BY error_class ORDER BY count DESC`,
      [endpointId, since.toISOString()],
    );
    return { ...totals!, failures };
  }

  /** Attempts, successes and p95 latency per bucket of `bucketSeconds` since `since` (empty buckets omitted). */
  async series(
    endpointId: string,
    since: Date,
    bucketSeconds: number,
  ): Promise<Array<{ bucket: number; attempts: number; succeeded: number; p95: number | null }>> {
    return this.endpoints.query(
      `SELECT floor(extract(epoch FROM started_at - $2::timestamptz) / $3)::int AS bucket,
              count(*)::int AS attempts,
              count(*) FILTER (WHERE error_class IS NULL)::int AS succeeded,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM delivery_attempt_log WHERE endpoint_id = $1 AND started_at >= $2
        GROUP BY 1 ORDER BY 1`,
      [endpointId, since.toISOString(), bucketSeconds],
    );
  }

  /**
   * An ordered endpoint's held lanes: those whose head (the only delivery of a lane ever attempted before the ones
   * behind it) failed and waits for its retry. All counted (through the index of open lane deliveries), the first
   * `limit` by next attempt listed with how many deliveries wait behind each.
   */
  async heldLanes(
    endpointId: string,
    limit: number,
  ): Promise<{
    count: number;
    lanes: Array<{
      lane: string;
      replayId: string | null;
      deliveryId: string;
      attempts: number;
      nextAttemptAt: Date | null;
      lastError: string | null;
      waiting: number;
    }>;
  }> {
    // Each lane's head (its first open delivery: the only one attempted before the rest), held if it is retrying.
    // (status IN …: the open-lane index's predicate, so that it is used.)
    const heads = `SELECT DISTINCT ON (lane) * FROM deliveries
                    WHERE endpoint_id = $1 AND lane IS NOT NULL AND status IN ('pending', 'retrying')
                    ORDER BY lane, lane_seq`;
    const [counted] = await this.endpoints.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM (${heads}) h WHERE h.status = 'retrying'`,
      [endpointId],
    );
    if (!counted?.n) return { count: 0, lanes: [] };
    const rows = await this.endpoints.query<
      Array<{
        lane: string;
        replay_id: string | null;
        id: string;
        attempt_count: number;
        next_attempt_at: Date | null;
        last_error: string | null;
        waiting: number;
      }>
    >(
      `SELECT h.lane, h.replay_id, h.id, h.attempt_count, h.next_attempt_at, h.last_error,
              (SELECT count(*)::int FROM deliveries w
                WHERE w.endpoint_id = h.endpoint_id AND w.lane = h.lane AND w.lane IS NOT NULL
                  AND w.status IN ('pending', 'retrying') AND w.lane_seq > h.lane_seq) AS waiting
         FROM (${heads}) h
        WHERE h.status = 'retrying'
        ORDER BY h.next_attempt_at, h.id LIMIT $2`,
      [endpointId, limit],
    );
    return {
      count: counted.n,
      lanes: rows.map((r) => ({
        lane: r.lane,
        replayId: r.replay_id,
        deliveryId: r.id,
        attempts: r.attempt_count,
        nextAttemptAt: r.next_attempt_at,
        lastError: r.last_error,
        waiting: r.waiting,
      })),
    };
  }

  async delete(id: string): Promise<void> {
    await this.endpoints.delete({ id });
  }
}
