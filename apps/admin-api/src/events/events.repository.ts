import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import {
  DeliveryEntity,
  EventEntity,
  eventSearchOrder,
  eventSearchPattern,
  eventSearchSql,
  wasExpired,
} from '@gateway/persistence';
import { pgInstant } from '../common/iso';
import { EventsFilter } from './events.dto';

@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `only`: events with a delivery to one of these endpoints (a portal session's). */
  private filtered(
    tenantId: string,
    filter: EventsFilter,
    only: readonly string[] | null,
  ): SelectQueryBuilder<EventEntity> {
    const q = this.db.getRepository(EventEntity).createQueryBuilder('e').where('e.tenant_id = :tenantId', { tenantId });
    if (only)
      q.andWhere(
        'EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.event_received_at = e.received_at ' +
          'AND d.endpoint_id IN (:...only))',
        { only },
      );
    if (filter.q) q.andWhere(eventSearchSql('e', ':search'), { search: eventSearchPattern(filter.q) });
    if (filter.type) q.andWhere('e.type = :type', { type: filter.type });
    if (filter.sourceId) q.andWhere('e.source_id = :sourceId', { sourceId: filter.sourceId });
    if (filter.since) q.andWhere('e.received_at >= :since', { since: pgInstant(filter.since) });
    if (filter.until) q.andWhere('e.received_at < :until', { until: pgInstant(filter.until) });
    return q.orderBy(filter.q ? eventSearchOrder('e') : 'e.received_at', 'DESC').addOrderBy('e.id', 'DESC');
  }

  /** Newest first; `after` is the (receivedAt, id) of the previous page's last event. */
  list(
    tenantId: string,
    filter: EventsFilter,
    limit: number,
    after: [string, string] | null,
    only: readonly string[] | null = null,
  ): Promise<EventEntity[]> {
    const q = this.filtered(tenantId, filter, only).limit(limit);
    if (after) q.andWhere('(e.received_at, e.id) < (:at, :id)', { at: pgInstant(after[0]), id: after[1] });
    return q.getMany();
  }

  /** The whole filtered set, in chunks, for streaming exports (never all in memory). */
  async *stream(
    tenantId: string,
    filter: EventsFilter,
    only: readonly string[] | null = null,
    chunk = 500,
  ): AsyncGenerator<EventEntity[]> {
    let after: [string, string] | null = null;
    for (;;) {
      const rows = await this.list(tenantId, filter, chunk, after, only);
      if (!rows.length) return;
      yield rows;
      const last = rows[rows.length - 1]!;
      after = [last.receivedAt.toISOString(), last.id];
      if (rows.length < chunk) return;
    }
  }

  /** Whether retention removed this event (in the last 90 days; see ExpiredEventsWriter). */
  wasExpired(tenantId: string, id: string): Promise<boolean> {
    return wasExpired(this.db, tenantId, id);
  }

  /** The latest copy (a body sent again more than 7 days after the first is stored again, under the same id). */
  findForTenant(tenantId: string, id: string): Promise<EventEntity | null> {
    return this.db.getRepository(EventEntity).findOne({ where: { id, tenantId }, order: { receivedAt: 'DESC' } });
  }

  /** In the event's partition: its deliveries carry its receivedAt. */
  deliveriesOf(event: EventEntity): Promise<DeliveryEntity[]> {
    return this.db.getRepository(DeliveryEntity).find({
      where: { eventId: event.id, eventReceivedAt: event.receivedAt },
      order: { id: 'ASC' },
    });
  }
}
