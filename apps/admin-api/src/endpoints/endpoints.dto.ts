import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CheckedBy } from '@gateway/http';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ENDPOINT_ORDERINGS, EVENT_TYPES, EndpointFilter, EndpointOrdering, IsOmittable } from '@gateway/contracts';
import { EndpointRules, TestEndpointRules } from './endpoint.rules';

export const ENDPOINT_FORMATS = ['standard', 'kaynko'] as const;

const HEADERS_DESCRIPTION =
  'Extra headers sent with every delivery, stored encrypted. At most 20, 8192 characters of names and values in all; ' +
  'names are HTTP tokens, values printable Latin-1. Hop-by-hop and framing headers (host, connection, keep-alive, ' +
  'te, trailer, transfer-encoding, upgrade, expect, proxy-*, content-*) and those the gateway sets (user-agent, ' +
  'webhook-*, x-kaynko-*, x-gateway-event-id) are refused (400 naming the header).';

const FILTER_DESCRIPTION =
  'Which of the subscribed events are delivered: an event is delivered only if its type matches `eventTypes` and it ' +
  'matches this filter. Keys are dotted paths into the canonical event (`data.total`, `data.items.0.sku`, `type`, ' +
  '`sourceId`) or `$and`/`$or` (arrays of filters) and `$not` (a filter); a path takes a value (equality) or ' +
  'operators: `$eq $ne $gt $gte $lt $lte $in $nin $exists $startsWith`, and `$not` over operators. MongoDB ' +
  'semantics: values compare only with values of the same type, a path through an array matches if any element ' +
  'does. At most 5 levels and 50 conditions; a mistake is a 400 naming its path inside `filter`. null: every ' +
  'subscribed event.';
const RETRY_SCHEDULE_DESCRIPTION =
  "This endpoint's delays between attempts, overriding the deployment's schedule (GATEWAY_RETRY_SCHEDULE): 1 to 20 " +
  'durations of 1s to 24h (units ms, s, m, h), ±20 % jitter added; after the last one the delivery fails. Retry-After ' +
  "on 429 and 503 is honoured as with the default. null: the deployment's schedule.";
const ORDERING_DESCRIPTION =
  'How deliveries to this endpoint are ordered. `none` (default): all at once. `source`: one after another per ' +
  'source, in the order ingest accepted the events; a delivery is first attempted only once every earlier one has ' +
  'succeeded or finally failed, so a failing one holds back the rest of its source. `key`: the same per value of ' +
  '`orderingKey` within a source: a failing delivery holds back only its own key (an event without that value is ' +
  "ordered with its source's). See GET /v1/endpoints/{id}/stats for the keys held back.";
const ORDERING_KEY_DESCRIPTION =
  'With `ordering` `key` (and only then): a JSON Pointer (RFC 6901) into the canonical event whose value orders ' +
  'deliveries, e.g. `/data/saleId`. A string, number or boolean value is a key; a missing or other value falls back ' +
  'to the source.';
const PUBLIC_KEY_DESCRIPTION =
  'The ed25519 public key receivers verify `v1a` signatures with: `whpk_` and the base64 of its 32 bytes. Never the ' +
  'private key.';
const FILTER_EXAMPLE = { 'data.total': { $gte: 100 }, 'data.paymentMethod': { $in: ['card', 'mobile_money'] } };

/** `filter` of the create and update bodies: an object or null (its contents are EndpointRules'). */
const FilterField = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: true,
      nullable: true,
      description,
      example: FILTER_EXAMPLE,
    }),
    IsOptional(),
    ValidateIf((_, v) => v !== null),
    IsObject(),
  );

/** `ordering` and `orderingKey` of the create and update bodies (that they go together is EndpointRules'). */
const OrderingFields = {
  ordering: () =>
    applyDecorators(
      ApiPropertyOptional({ enum: ENDPOINT_ORDERINGS, default: 'none', description: ORDERING_DESCRIPTION }),
      IsOmittable(),
      IsIn(ENDPOINT_ORDERINGS),
    ),
  orderingKey: () =>
    applyDecorators(
      ApiPropertyOptional({
        type: String,
        nullable: true,
        example: '/data/saleId',
        maxLength: 256,
        description: ORDERING_KEY_DESCRIPTION,
      }),
      IsOptional(),
      ValidateIf((_, v) => v !== null),
      IsString(),
      MaxLength(256),
    ),
};

export const SIGNATURE_SCHEMES = ['v1', 'v1a'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];
const SIGNATURE_SCHEME_DESCRIPTION =
  'How deliveries are signed (Standard Webhooks): `v1` (default) HMAC-SHA256 with a shared secret; `v1a` ed25519 ' +
  'with a key pair the gateway generates: receivers verify with the public key (GET /v1/endpoints/{id}/secret), and ' +
  'the private key never leaves the gateway. `v1a` is for format `standard` only. Changing it is a rotation: the old ' +
  'secret or key keeps signing beside the new one during the overlap.';

/** `signatureScheme` of the create and update bodies. */
const SignatureSchemeField = () =>
  applyDecorators(
    ApiPropertyOptional({ enum: SIGNATURE_SCHEMES, default: 'v1', description: SIGNATURE_SCHEME_DESCRIPTION }),
    IsOmittable(),
    IsIn(SIGNATURE_SCHEMES),
  );

/** An Ed25519 public key as a JWK (RFC 8037); `kid` is its RFC 7638 thumbprint. */
export class Ed25519JwkResponse {
  @ApiProperty({ enum: ['OKP'] }) kty: 'OKP';
  @ApiProperty({ enum: ['Ed25519'] }) crv: 'Ed25519';
  @ApiProperty({ example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', description: 'The key, base64url.' })
  x: string;
  @ApiProperty({ example: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' }) kid: string;
}

/** `retrySchedule` of the create and update bodies: an array or null (its steps are EndpointRules'). */
const RetryScheduleField = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      nullable: true,
      example: ['10s', '1m', '10m', '1h'],
      description: RETRY_SCHEDULE_DESCRIPTION,
    }),
    IsOptional(),
    ValidateIf((_, v) => v !== null),
    IsArray(),
  );

@CheckedBy(EndpointRules)
export class CreateEndpointDto {
  @ApiProperty({ example: 'https://erp.example.com/webhooks/pos' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ example: 'ERP sync' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({
    example: ['kaynko.sale.completed', 'digitax.*'],
    description: 'Exact types, wildcards at any level (`kaynko.*`, `kaynko.sale.*`) or `*`.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  eventTypes: string[];

  @ApiPropertyOptional({ enum: ENDPOINT_FORMATS, default: 'standard' })
  @IsOmittable()
  @IsIn(ENDPOINT_FORMATS)
  format?: (typeof ENDPOINT_FORMATS)[number];

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 5000, minimum: 100, maximum: 30000 })
  @IsOmittable()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 10000, type: Number })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({
    example: { 'x-erp-tenant': '42' },
    description: HEADERS_DESCRIPTION,
    additionalProperties: { type: 'string' },
  })
  @IsOmittable()
  @IsObject()
  headers?: Record<string, string>;

  @FilterField(FILTER_DESCRIPTION)
  filter?: EndpointFilter | null;

  @RetryScheduleField()
  retrySchedule?: string[] | null;

  @OrderingFields.ordering()
  ordering?: EndpointOrdering;

  @OrderingFields.orderingKey()
  orderingKey?: string | null;

  @SignatureSchemeField()
  signatureScheme?: SignatureScheme;

  @ApiPropertyOptional({
    description:
      'Your own secret (e.g. the Kaynko secret your receiver already uses). Omit to get a generated whsec_… secret.',
    writeOnly: true,
  })
  @IsOmittable()
  @IsString()
  @Length(8, 512)
  secret?: string;
}

@CheckedBy(EndpointRules)
export class UpdateEndpointDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @MaxLength(2048) url?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ enum: ENDPOINT_FORMATS })
  @IsOmittable()
  @IsIn(ENDPOINT_FORMATS)
  format?: (typeof ENDPOINT_FORMATS)[number];
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOmittable() @IsInt() @Min(100) @Max(30_000) timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({ description: HEADERS_DESCRIPTION, additionalProperties: { type: 'string' } })
  @IsOmittable()
  @IsObject()
  headers?: Record<string, string>;

  @FilterField(`${FILTER_DESCRIPTION} Replaces the whole filter; null removes it.`)
  filter?: EndpointFilter | null;

  @RetryScheduleField()
  retrySchedule?: string[] | null;

  @OrderingFields.ordering()
  ordering?: EndpointOrdering;

  @OrderingFields.orderingKey()
  orderingKey?: string | null;

  @SignatureSchemeField()
  signatureScheme?: SignatureScheme;
}

@CheckedBy(TestEndpointRules)
export class TestEndpointDto {
  @ApiPropertyOptional({
    example: 'kaynko.sale.completed',
    enum: EVENT_TYPES.map((t) => t.type),
    description:
      "The sample event's type, one of the catalog (GET /v1/event-types). Default: `gateway.ping`, or `kaynko.ping` " +
      'for a Kaynko-format endpoint; either is sent whatever the endpoint subscribes to.',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(80)
  type?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { saleId: 'S-1042', total: 250, paymentMethod: 'card' },
    description:
      "The sample event's `data`, as it is (not checked against the type's schema, so that a filter's edge cases " +
      'can be tried). Default: a short message naming the endpoint.',
  })
  @IsOmittable()
  @IsObject()
  data?: Record<string, unknown>;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    description: 'Your own new secret (`v1` only: a `v1a` key pair is always generated); omit to get a generated one.',
    writeOnly: true,
  })
  @IsOmittable()
  @IsString()
  @Length(8, 512)
  secret?: string;
}

export class EndpointResponse {
  @ApiProperty({ example: 'ep_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({ enum: ENDPOINT_FORMATS }) format: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why the gateway disabled it (e.g. 410 Gone).' })
  disabledReason: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Since when every attempt has failed.',
  })
  failingSince: string | null;
  @ApiProperty() timeoutMs: number;
  @ApiProperty({ nullable: true, type: Number }) rateLimitPerSecond: number | null;
  @ApiProperty({ type: Object }) headers: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The payload filter (see the request body); null: every subscribed event is delivered.',
    example: FILTER_EXAMPLE,
  })
  filter: EndpointFilter | null;
  @ApiProperty({
    type: [String],
    nullable: true,
    example: ['10s', '1m', '10m', '1h'],
    description: "The endpoint's own retry schedule; null: the deployment's (see retryScheduleInForce).",
  })
  retrySchedule: string[] | null;
  @ApiProperty({
    type: [String],
    example: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
    description: "The delays its deliveries are retried after: its own retrySchedule, or the deployment's.",
  })
  retryScheduleInForce: string[];
  @ApiProperty({ enum: ENDPOINT_ORDERINGS, description: ORDERING_DESCRIPTION }) ordering: EndpointOrdering;
  @ApiProperty({ type: String, nullable: true, example: '/data/saleId', description: ORDERING_KEY_DESCRIPTION })
  orderingKey: string | null;
  @ApiProperty({ enum: SIGNATURE_SCHEMES, description: SIGNATURE_SCHEME_DESCRIPTION }) signatureScheme: SignatureScheme;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class EndpointWithSecretResponse extends EndpointResponse {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret (`v1`); a `v1a` endpoint has publicKey and jwk instead.',
  })
  secret?: string;
  @ApiPropertyOptional({
    example: 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
    description: PUBLIC_KEY_DESCRIPTION,
  })
  publicKey?: string;
  @ApiPropertyOptional({ type: Ed25519JwkResponse, description: 'The public key as a JWK (`v1a`).' })
  jwk?: Ed25519JwkResponse;
}

export class StatsQuery {
  @ApiPropertyOptional({ enum: ['1h', '24h', '7d', '30d'], default: '24h' })
  @IsOmittable()
  @IsIn(['1h', '24h', '7d', '30d'])
  window?: '1h' | '24h' | '7d' | '30d';
}

export class SecretResponse {
  @ApiProperty({ enum: SIGNATURE_SCHEMES, description: 'Which of the fields below the endpoint has.' })
  scheme: SignatureScheme;
  @ApiPropertyOptional({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The signing secret (`v1`).' })
  secret?: string;
  @ApiPropertyOptional({
    example: 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
    description: PUBLIC_KEY_DESCRIPTION,
  })
  publicKey?: string;
  @ApiPropertyOptional({ type: Ed25519JwkResponse, description: 'The public key as a JWK (`v1a`).' })
  jwk?: Ed25519JwkResponse;
}

export class TestErrorResponse {
  @ApiProperty({ example: 'http_status' }) class: string;
  @ApiProperty({ example: 'endpoint answered 500' }) message: string;
}

export class EndpointTestResponse {
  @ApiProperty({ example: 'evt_5d0c3b8f2a1e4d6c9b7a8f6e5d4c3b2a' }) eventId: string;
  @ApiProperty() succeeded: boolean;
  @ApiProperty({
    description:
      'True when the sample was not sent because the endpoint would not receive it: its type is not one the endpoint ' +
      'subscribes to, or its filter does not match (error.class `filtered_out` says which).',
  })
  filteredOut: boolean;
  @ApiProperty({ nullable: true, type: Number, example: 200 }) statusCode: number | null;
  @ApiProperty({ example: 84 }) durationMs: number;
  @ApiProperty({ nullable: true, type: TestErrorResponse }) error: TestErrorResponse | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The endpoint's answer, at most 1 KiB; null when empty or when the endpoint is on an allowed private address.",
  })
  responseBody: string | null;
}

export class LatencyResponse {
  @ApiProperty({ nullable: true, type: Number }) p50: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95: number | null;
  @ApiProperty({ nullable: true, type: Number }) p99: number | null;
}

export class StatsBucketResponse {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty() attempts: number;
  @ApiProperty() succeeded: number;
  @ApiProperty({ nullable: true, type: Number }) successRate: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95LatencyMs: number | null;
}

export class HeldKeyResponse {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'S-1042',
    description: "The key's value; null: the source's own lane.",
  })
  key: string | null;
  @ApiProperty() sourceId: string;
  @ApiProperty({ nullable: true, type: String, description: 'The replay whose deliveries these are; null: live ones.' })
  replayId: string | null;
  @ApiProperty({ example: 'dl_0Hc3bQ2xk9aBcDeFgHjKmNpQr', description: 'The delivery holding the key back.' })
  deliveryId: string;
  @ApiProperty({ description: 'Attempts it has had.' }) attempts: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When it is attempted next.' })
  nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ description: 'Deliveries of the key waiting behind it.' }) waiting: number;
}

export class OrderingStatsResponse {
  @ApiProperty({ enum: ENDPOINT_ORDERINGS }) ordering: EndpointOrdering;
  @ApiProperty({ description: 'Keys (or sources) whose next delivery failed and waits for its retry, now.' })
  heldKeys: number;
  @ApiProperty({
    type: [HeldKeyResponse],
    description: 'The held keys, next to be retried first (at most 100), each with the delivery holding it back.',
  })
  held: HeldKeyResponse[];
}

export class EndpointStatsResponse {
  @ApiProperty() endpointId: string;
  @ApiProperty({ enum: ['1h', '24h', '7d', '30d'] }) window: string;
  @ApiProperty() attempts: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty({ nullable: true, type: Number }) successRate: number | null;
  @ApiProperty({ type: LatencyResponse }) latencyMs: LatencyResponse;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { timeout: 3, http_status: 1 },
    description: 'Failed attempts by error class.',
  })
  failuresByReason: Record<string, number>;
  @ApiProperty({ type: [StatsBucketResponse], description: 'The window in 24 equal buckets.' })
  series: StatsBucketResponse[];
  @ApiProperty({
    type: OrderingStatsResponse,
    nullable: true,
    description: 'For an ordered endpoint (and one with deliveries still in lanes): the keys held back now; else null.',
  })
  ordering: OrderingStatsResponse | null;
}
