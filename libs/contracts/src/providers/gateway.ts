import { IsISO8601, IsString, MaxLength } from 'class-validator';

/** Operational events the gateway itself publishes, delivered like any other event type. */
export class GatewayEndpointDisabledData {
  @IsString() endpointId: string;
  @IsString() @MaxLength(2048) url: string;
  @IsString() reason: string;
  @IsISO8601() disabledAt: string;
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
] as const;
