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

export const GATEWAY_EVENTS = [
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
