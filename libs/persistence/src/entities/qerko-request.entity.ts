import { Column, Entity, PrimaryColumn } from 'typeorm';

export const QERKO_REQUEST_STATES = ['pending', 'answered_sync', 'answered_async', 'failed', 'stale'] as const;
export type QerkoRequestState = (typeof QERKO_REQUEST_STATES)[number];

export interface QerkoTimelineEntry {
  at: string;
  what: string;
  detail?: string;
}

/** A request Qerko sent to a POS through the bridge, from arrival to its one answer. */
@Entity({ name: 'qerko_requests' })
export class QerkoRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 40 }) tenantId: string;
  @Column({ name: 'source_id', type: 'varchar', length: 40 }) sourceId: string;
  @Column({ type: 'varchar', length: 64 }) uuid: string;
  @Column({ type: 'varchar', length: 32 }) method: string;
  @Column({ type: 'jsonb' }) args: unknown[];
  @Column({ name: 'event_id', type: 'varchar', length: 64 }) eventId: string;
  @Column({ type: 'varchar', length: 16 }) state: QerkoRequestState;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt: Date;
  /** 15 s after arrival: Qerko treats the request as stale after that. */
  @Column({ name: 'deadline_at', type: 'timestamptz' }) deadlineAt: Date;
  @Column({ name: 'sync_closed_at', type: 'timestamptz', nullable: true }) syncClosedAt: Date | null;
  @Column({ type: 'jsonb', nullable: true }) answer: Record<string, unknown> | null;
  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true }) answeredAt: Date | null;
  /** `sync-response` (the delivery's 200 body) or `reply-api` (POST /v1/qerko/replies). */
  @Column({ name: 'answered_via', type: 'varchar', length: 16, nullable: true }) answeredVia: string | null;
  @Column({ name: 'reply_attempts', type: 'integer', default: 0 }) replyAttempts: number;
  @Column({ name: 'reply_status', type: 'integer', nullable: true }) replyStatus: number | null;
  @Column({ name: 'replied_at', type: 'timestamptz', nullable: true }) repliedAt: Date | null;
  @Column({ name: 'failure_reason', type: 'text', nullable: true }) failureReason: string | null;
  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` }) timeline: QerkoTimelineEntry[];
}
