import { Injectable } from '@nestjs/common';
import { IdPrefix } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { ReplayEntity, retentionCutoff } from '@gateway/persistence';
import { AdminApiConfig } from '../admin-api.config';
import { newId } from '@gateway/security';
import { iso } from '../common/iso';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { CreateReplayDto, ReplayResponse } from './replays.dto';
import { ReplayOutcomes, ReplaysRepository } from './replays.repository';

/**
 * Replays re-send a window of stored events to one endpoint (any endpoint of the tenant, not only the one that
 * first received them). This records the job; fan-out's ReplayWorker creates the deliveries, throttled.
 */
@Injectable()
export class ReplaysService {
  constructor(
    private readonly replays: ReplaysRepository,
    private readonly endpoints: EndpointsRepository,
    private readonly config: AdminApiConfig,
  ) {}

  async create(tenantId: string, endpointId: string, dto: CreateReplayDto): Promise<ReplayResponse> {
    const endpoint = await this.endpoints.findForTenant(tenantId, endpointId);
    if (!endpoint) throw ApiError.notFound('Endpoint');
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    // Events older than the tenant's retention may be gone already (removed a whole UTC day at a time).
    const days = (await this.replays.retentionDays(tenantId)) ?? this.config.GATEWAY_RETENTION_DAYS;
    const oldest = retentionCutoff(new Date(), days);
    if (since < oldest) {
      throw ApiError.validation([
        {
          field: 'since',
          reason: `must not be before ${oldest.toISOString()}: older events are past this tenant's retention (${days} days)`,
        },
      ]);
    }

    const eventTypes = dto.eventTypes ?? endpoint.eventTypes;
    const id = newId(IdPrefix.replay);
    const total = await this.replays.countMatching(tenantId, since, until, eventTypes);
    await this.replays.insert({ id, tenantId, endpointId, since, until, eventTypes, total });
    return this.get(tenantId, id);
  }

  async get(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<ReplayResponse> {
    const replay = await this.replays.findForTenant(tenantId, id);
    if (!replay || (visible && !visible.includes(replay.endpointId))) throw ApiError.notFound('Replay');
    return present(replay, await this.replays.outcomes(id));
  }
}

/**
 * A replay as partners follow it: `scheduling` while fan-out creates its deliveries, `delivering` once all are
 * created and some have not finished, `completed` when every one has succeeded or failed (at its last one's time).
 * `progress` is the finished share, and reaches 1 exactly at `completed`.
 */
function present(r: ReplayEntity, outcomes: ReplayOutcomes): ReplayResponse {
  const finished = outcomes.succeeded + outcomes.failed;
  const scheduled = r.status === 'completed';
  const done = scheduled && finished >= r.scheduled;
  return {
    id: r.id,
    endpointId: r.endpointId,
    status: !scheduled ? 'scheduling' : done ? 'completed' : 'delivering',
    since: iso(r.since)!,
    until: iso(r.until)!,
    eventTypes: r.eventTypes,
    total: r.total,
    scheduled: r.scheduled,
    succeeded: outcomes.succeeded,
    failed: outcomes.failed,
    progress: done ? 1 : Math.min(finished / Math.max(r.total, r.scheduled, 1), 0.999),
    createdAt: iso(r.createdAt)!,
    completedAt: done ? iso(outcomes.lastCompletedAt ?? r.completedAt) : null,
  };
}
