import { Injectable } from '@nestjs/common';
import type { SaleSummary } from '@gateway/contracts';
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
    const rows = await this.deliveries.list(tenantId, query, limit + 1, after, visible);
    const sales = await this.deliveries.salesOf(rows.slice(0, limit));
    return toPage(
      rows,
      limit,
      (d) => presentDelivery(d, sales.get(d.eventId) ?? null),
      (d) => [d.id],
    );
  }

  async get(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<DeliveryDetailResponse> {
    const delivery = await this.require(tenantId, id, visible);
    const [attempts, endpoint, sales] = await Promise.all([
      this.deliveries.attemptsOf(delivery),
      this.deliveries.endpointOf(delivery),
      this.deliveries.salesOf([delivery]),
    ]);
    const retrySchedule = endpoint?.retrySchedule ?? deploymentRetrySchedule(this.config);
    return {
      ...presentDelivery(delivery, sales.get(delivery.eventId) ?? null),
      state: stateOf(delivery, retrySchedule.length + 1),
      endpoint: endpoint && {
        id: endpoint.id,
        name: endpoint.name,
        url: endpoint.url,
        enabled: endpoint.enabled,
        disabledReason: endpoint.disabledReason,
      },
      retrySchedule,
      attempts: attempts.map(presentAttempt),
    };
  }

  /** Sends it again now, whatever its state (a succeeded delivery may be re-sent on purpose). */
  async retry(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<DeliveryResponse> {
    const delivery = await this.deliveries.scheduleNow(await this.require(tenantId, id, visible));
    const sales = await this.deliveries.salesOf([delivery]);
    return presentDelivery(delivery, sales.get(delivery.eventId) ?? null);
  }

  /** A delivery to an endpoint the caller may not see answers as if it did not exist. */
  private async require(tenantId: string, id: string, visible: VisibleEndpoints): Promise<DeliveryEntity> {
    const row = await this.deliveries.findForTenant(tenantId, id);
    if (!row || (visible && !visible.includes(row.endpointId))) throw ApiError.notFound('Delivery');
    return row;
  }
}

/** `failed` told apart: after every attempt its schedule allows (`exhausted`), or before. */
function stateOf(d: DeliveryEntity, attemptsAllowed: number): DeliveryDetailResponse['state'] {
  if (d.status !== 'failed') return d.status;
  return d.attemptCount >= attemptsAllowed ? 'exhausted' : 'failed';
}

export function presentDelivery(d: DeliveryEntity, sale: SaleSummary | null): DeliveryResponse {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    sale,
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
