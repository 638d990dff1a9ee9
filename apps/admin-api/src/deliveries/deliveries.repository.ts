import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { DeliveryAttemptEntity, DeliveryEntity } from '@gateway/persistence';
import { pgInstant } from '../common/iso';
import { DeliveriesQuery } from './deliveries.dto';

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

  /** The delivery's endpoint's own retry schedule (null: the deployment's, or the endpoint is gone). */
  async retryScheduleOf(delivery: DeliveryEntity): Promise<string[] | null> {
    const [row] = await this.deliveries.query<Array<{ retry_schedule: string[] | null }>>(
      `SELECT retry_schedule FROM endpoints WHERE id = $1`,
      [delivery.endpointId],
    );
    return row?.retry_schedule ?? null;
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
