import { ViewColumn, ViewEntity } from 'typeorm';

export interface AttemptTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
}

/**
 * One HTTP attempt of a delivery: what we sent when, and what came back. Read from the view delivery_attempt_log:
 * attempts have rows of their own in delivery_attempts, except a first attempt made as its delivery was created, which
 * is kept in the delivery's row (the `first_attempt_*` columns; see migration 1764400000000). Written only by fan-out,
 * in SQL.
 */
@ViewEntity({ name: 'delivery_attempt_log', synchronize: false })
export class DeliveryAttemptEntity {
  @ViewColumn()
  id: string;

  @ViewColumn({ name: 'delivery_id' })
  deliveryId: string;

  /** Its delivery's partition key (the event's receivedAt). */
  @ViewColumn({ name: 'event_received_at' })
  eventReceivedAt: Date;

  @ViewColumn({ name: 'endpoint_id' })
  endpointId: string;

  @ViewColumn()
  number: number;

  @ViewColumn({ name: 'started_at' })
  startedAt: Date;

  @ViewColumn({ name: 'duration_ms' })
  durationMs: number;

  @ViewColumn({ name: 'status_code' })
  statusCode: number | null;

  /** `timeout`, `dns`, `connect`, `tls`, `refused_address`, `http_status`, `reset`, … (null on success). */
  @ViewColumn({ name: 'error_class' })
  errorClass: string | null;

  @ViewColumn({ name: 'error_message' })
  errorMessage: string | null;

  /** The response body, truncated to the configured cap. */
  @ViewColumn({ name: 'response_body' })
  responseBody: string | null;

  @ViewColumn()
  timings: AttemptTimings | null;
}
