import { Injectable } from '@nestjs/common';
import { ApiError } from '@gateway/http';
import { DeliveryAttemptEntity, DeliveryEntity } from '@gateway/persistence';
import { AdminApiConfig } from '../admin-api.config';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { iso } from '../common/iso';
import { deploymentRetrySchedule } from '../common/retry-schedule';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { AttemptResponse, DeliveriesQuery, DeliveryDetailResponse, DeliveryResponse } from './deliveries.dto';
import { DeliveriesRepository } from './deliveries.repository';

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly config: AdminApiConfig,
  ) {}

  async list(
    tenantId: string,
    query: DeliveriesQuery,
    visible: VisibleEndpoints = null,
  ): Promise<Page<DeliveryResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    return toPage(
      await this.deliveries.list(tenantId, query, limit + 1, after, visible),
      limit,
      presentDelivery,
      (d) => [d.id],
    );
  }

  async get(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<DeliveryDetailResponse> {
    const delivery = await this.require(tenantId, id, visible);
    const [attempts, own] = await Promise.all([
      this.deliveries.attemptsOf(delivery),
      this.deliveries.retryScheduleOf(delivery),
    ]);
    return {
      ...presentDelivery(delivery),
      retrySchedule: own ?? deploymentRetrySchedule(this.config),
      attempts: attempts.map(presentAttempt),
    };
  }

  /** Sends it again now, whatever its state (a succeeded delivery may be re-sent on purpose). */
  async retry(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<DeliveryResponse> {
    return presentDelivery(await this.deliveries.scheduleNow(await this.require(tenantId, id, visible)));
  }

  /** A delivery to an endpoint the caller may not see answers as if it did not exist. */
  private async require(tenantId: string, id: string, visible: VisibleEndpoints): Promise<DeliveryEntity> {
    const row = await this.deliveries.findForTenant(tenantId, id);
    if (!row || (visible && !visible.includes(row.endpointId))) throw ApiError.notFound('Delivery');
    return row;
  }
}

export function presentDelivery(d: DeliveryEntity): DeliveryResponse {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    endpointId: d.endpointId,
    status: d.status,
    attemptCount: d.attemptCount,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    replayId: d.replayId,
    createdAt: iso(d.createdAt)!,
    updatedAt: iso(d.updatedAt)!,
    completedAt: iso(d.completedAt),
  };
}

function presentAttempt(a: DeliveryAttemptEntity): AttemptResponse {
  return {
    id: a.id,
    number: a.number,
    startedAt: iso(a.startedAt)!,
    durationMs: a.durationMs,
    statusCode: a.statusCode,
    errorClass: a.errorClass,
    errorMessage: a.errorMessage,
    responseBody: a.responseBody,
    timings: a.timings as Record<string, number> | null,
  };
}
