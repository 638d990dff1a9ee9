import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event to one endpoint. `nextAttemptAt` + `leaseUntil` make the table the durable retry queue:
 * a worker claims due rows by setting a lease, so retries survive restarts and never block each other.
 * The row also holds the attempt it was created with (`first_attempt_*` columns, written by fan-out in SQL and not
 * mapped here): read attempts through DeliveryAttemptEntity (the view delivery_attempt_log).
 */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId: string;

  /** Its event's receivedAt: the partition key (an event, its deliveries and their attempts share one day). */
  @Column({ name: 'event_received_at', type: 'timestamptz' })
  eventReceivedAt: Date;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 40 })
  tenantId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 80 })
  eventType: string;

  /** Set when the delivery was created by a replay job. */
  @Column({ name: 'replay_id', type: 'varchar', length: 40, nullable: true })
  replayId: string | null;

  /** The line it waits in, for an ordered endpoint (see compileOrdering); null: no order. */
  @Column({ type: 'text', nullable: true })
  lane: string | null;

  /** Its place in its lane (the event's Kafka offset, or a replay's own sequence). */
  @Column({ name: 'lane_seq', type: 'bigint', nullable: true })
  laneSeq: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  /** The fan-out instance holding the lease (fanout_instances): a dead holder's leases are taken over early. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 40, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
