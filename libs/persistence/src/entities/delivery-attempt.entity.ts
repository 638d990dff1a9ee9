import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface AttemptTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
}

/** One HTTP attempt of a delivery: what we sent when, and what came back. */
@Entity({ name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 40 })
  deliveryId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @Column({ type: 'integer' })
  number: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  /** `timeout`, `dns`, `connect`, `tls`, `refused_address`, `http_status`, `reset`, … (null on success). */
  @Column({ name: 'error_class', type: 'varchar', length: 32, nullable: true })
  errorClass: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  /** The response body, truncated to the configured cap. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ type: 'jsonb', nullable: true })
  timings: AttemptTimings | null;
}
