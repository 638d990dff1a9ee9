import { IsISO8601, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Nullable } from '../validation';

/** Operational events the gateway itself publishes, delivered like any other event type. */
export class GatewayEndpointDisabledData {
  @IsString() endpointId: string;
  @IsString() @MaxLength(2048) url: string;
  @IsString() reason: string;
  @IsISO8601() disabledAt: string;
}

/** An endpoint's first failed attempt after a success (or after it was created or re-enabled). */
export class GatewayEndpointFailingData {
  @IsString() endpointId: string;
  @IsString() @MaxLength(2048) url: string;
  /** When the failed attempt started: the start of the run of failures. */
  @IsISO8601() failingSince: string;
  /** The failed attempt's answer (null when none came: a timeout, a refused connection). */
  @Nullable() @IsInt() @Min(100) @Max(599) statusCode: number | null;
  /** Its error class (`http_status`, `timeout`, `connect_error`, …) and message. */
  @IsString() errorClass: string;
  @Nullable() @IsString() errorMessage: string | null;
}

/** An endpoint's first successful attempt after it was failing. */
export class GatewayEndpointRecoveredData {
  @IsString() endpointId: string;
  @IsString() @MaxLength(2048) url: string;
  /** When the run of failures began. */
  @IsISO8601() failingSince: string;
  /** When the successful attempt started. */
  @IsISO8601() recoveredAt: string;
}

/** A delivery the gateway gave up on: its last retry failed. */
export class GatewayDeliveryExhaustedData {
  @IsString() deliveryId: string;
  @IsString() eventId: string;
  @IsString() eventType: string;
  @IsString() endpointId: string;
  @IsString() @MaxLength(2048) url: string;
  @IsInt() @Min(1) attempts: number;
  /** The last attempt's outcome. */
  @Nullable() @IsInt() @Min(100) @Max(599) statusCode: number | null;
  @IsString() errorClass: string;
  @Nullable() @IsString() errorMessage: string | null;
  @IsISO8601() failedAt: string;
}

/** The test message of `POST /v1/endpoints/{id}/test`. */
export class GatewayPingData {
  @IsString() endpointId: string;
  @IsString() message: string;
}

/** A Qerko payment request the POS did not answer in time: Qerko cancels such payments. */
export class GatewayQerkoPaymentUnansweredData {
  @IsString() requestId: string;
  @IsString() uuid: string;
  @IsString() method: string;
  @IsString() reason: string;
}

export const GATEWAY_EVENTS = [
  {
    event: 'qerko.payment_unanswered',
    description:
      'A Qerko paymentStart or paymentProcessed got no answer in time (or the answer could not be delivered): Qerko cancels such payments.',
    dataClass: GatewayQerkoPaymentUnansweredData,
  },
  {
    event: 'ping',
    description: 'A test message sent on demand by POST /v1/endpoints/{id}/test (never delivered otherwise).',
    dataClass: GatewayPingData,
  },
  {
    event: 'endpoint.disabled',
    description: 'The gateway disabled an endpoint: it answered 410 Gone, or every attempt failed for days.',
    dataClass: GatewayEndpointDisabledData,
  },
  {
    event: 'endpoint.failing',
    description:
      "An endpoint's first failed attempt after a success (or since it was created or re-enabled), with that attempt's outcome. Never delivered to that endpoint itself.",
    dataClass: GatewayEndpointFailingData,
  },
  {
    event: 'endpoint.recovered',
    description:
      "An endpoint's first successful attempt after it was failing, with when the failures began. Never delivered to that endpoint itself.",
    dataClass: GatewayEndpointRecoveredData,
  },
  {
    event: 'delivery.exhausted',
    description:
      "The gateway gave up on a delivery after its last retry, with the last attempt's outcome (not for 410 Gone, which disables the endpoint, nor for deliveries of gateway.* events). Never delivered to that endpoint itself.",
    dataClass: GatewayDeliveryExhaustedData,
  },
] as const;

/**
 * Whether an event is an operational event about this endpoint (its `data.endpointId`): such events are never
 * delivered to the endpoint itself (a failing endpoint is not told that it is failing).
 */
export function isAboutEndpoint(event: { provider: string; data: Record<string, unknown> }, endpointId: string) {
  return event.provider === 'gateway' && event.data['endpointId'] === endpointId;
}
