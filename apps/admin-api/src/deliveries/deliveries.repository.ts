import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import {
  DeliveryAttemptEntity,
  DeliveryEntity,
  eventSearchOrder,
  eventSearchPattern,
  eventSearchSql,
} from '@gateway/persistence';
import { SALE_SUMMARY_FIELDS, SaleSummary, saleSummaryOf } from '@gateway/contracts';
import { pgInstant } from '../common/iso';
import { DeliveriesQuery } from './deliveries.dto';

export interface DeliveryEndpoint {
  id: string;
  name: string | null;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  retrySchedule: string[] | null;
}

/** `q` finds the deliveries of at most this many events (the newest that match). */
const SEARCHED_EVENTS = 1000;

@Injectable()
export class DeliveriesRepository {
  constructor(
    @InjectRepository(DeliveryEntity) private readonly deliveries: Repository<DeliveryEntity>,
    @InjectRepository(DeliveryAttemptEntity) private readonly attempts: Repository<DeliveryAttemptEntity>,
  ) {}

  /** `only`: deliveries to these endpoints only (a portal session's). */
  list(
    tenantId: string,
    filter: DeliveriesQuery,
    limit: number,
    afterId: string | null,
    only: readonly string[] | null,
  ): Promise<DeliveryEntity[]> {
    const q = this.deliveries
      .createQueryBuilder('d')
      .where('d.tenant_id = :tenantId', { tenantId })
      .orderBy('d.id', 'DESC')
      .limit(limit);
    if (filter.q)
      // The matching events first (a bounded array: deliveries are then found by event id, never by walking the
      // tenant's deliveries to test each one).
      q.andWhere(
        `d.event_id = ANY(ARRAY(SELECT e.id FROM events e WHERE e.tenant_id = :tenantId AND ${eventSearchSql('e', ':search')}
          ORDER BY ${eventSearchOrder('e')} DESC LIMIT ${SEARCHED_EVENTS}))`,
        { search: eventSearchPattern(filter.q) },
      );
    if (filter.endpointId) q.andWhere('d.endpoint_id = :endpointId', { endpointId: filter.endpointId });
    if (filter.eventId) q.andWhere('d.event_id = :eventId', { eventId: filter.eventId });
    if (filter.status) q.andWhere('d.status = :status', { status: filter.status });
    if (filter.since) q.andWhere('d.created_at >= :since', { since: pgInstant(filter.since) });
    if (filter.until) q.andWhere('d.created_at < :until', { until: pgInstant(filter.until) });
    if (afterId) q.andWhere('d.id < :afterId', { afterId });
    if (only) q.andWhere('d.endpoint_id IN (:...only)', { only });
    return q.getMany();
  }

  findForTenant(tenantId: string, id: string): Promise<DeliveryEntity | null> {
    return this.deliveries.findOneBy({ id, tenantId });
  }

  /** The sale summary of each delivery's event (by event id), reading only the fields a summary needs. */
  async salesOf(deliveries: readonly DeliveryEntity[]): Promise<Map<string, SaleSummary | null>> {
    if (!deliveries.length) return new Map();
    const fields = SALE_SUMMARY_FIELDS.map((f) => `'${f}', e.data -> '${f}'`).join(', ');
    const rows = await this.deliveries.query<Array<{ id: string; type: string; fields: unknown }>>(
      `SELECT e.id, e.type, jsonb_build_object(${fields}) AS fields
         FROM unnest($1::text[], $2::timestamptz[]) AS k(id, at)
         JOIN events e ON e.id = k.id AND e.received_at = k.at`,
      [deliveries.map((d) => d.eventId), deliveries.map((d) => d.eventReceivedAt)],
    );
    return new Map(rows.map((r) => [r.id, saleSummaryOf(r.type, r.fields)]));
  }

  /** The delivery's endpoint as it is now (null once deleted); `retrySchedule` null: the deployment's. */
  async endpointOf(delivery: DeliveryEntity): Promise<DeliveryEndpoint | null> {
    const [row] = await this.deliveries.query<DeliveryEndpoint[]>(
      `SELECT id, name, url, enabled, disabled_reason AS "disabledReason", retry_schedule AS "retrySchedule"
         FROM endpoints WHERE id = $1`,
      [delivery.endpointId],
    );
    return row ?? null;
  }

  /** In the delivery's partition (its event's day). */
  attemptsOf(delivery: DeliveryEntity): Promise<DeliveryAttemptEntity[]> {
    return this.attempts.find({
      where: { deliveryId: delivery.id, eventReceivedAt: delivery.eventReceivedAt },
      order: { number: 'ASC' },
    });
  }

  /** Makes the delivery due now; fan-out's retry poller picks it up within its poll interval. */
  async scheduleNow(delivery: DeliveryEntity): Promise<DeliveryEntity> {
    const key = { id: delivery.id, eventReceivedAt: delivery.eventReceivedAt };
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ status: 'retrying', nextAttemptAt: () => 'now()', leaseUntil: null, completedAt: null })
      .where({ ...key, status: In(['succeeded', 'failed', 'retrying', 'pending']) })
      .execute();
    return (await this.deliveries.findOneBy(key))!;
  }
}
