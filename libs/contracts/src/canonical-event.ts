import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { readMessage } from './read-message';
import { CompiledRules } from './validation';

export const PROVIDERS = ['kaynko', 'digitax', 'qerko', 'gateway'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const CANONICAL_EVENT_SCHEMA = 'canonical-event.v1';

/**
 * What ingest publishes to `gateway.events.v1`, for every provider.
 * `id` is derived from the source id and the raw body, so a re-sent body gets the same id and is delivered once.
 */
export interface CanonicalEventV1 {
  schema: typeof CANONICAL_EVENT_SCHEMA;
  id: string;
  /** `<provider>.<event>`, e.g. `kaynko.sale.completed`. */
  type: string;
  provider: Provider;
  sourceId: string;
  tenantId: string;
  /** When the gateway accepted it (ISO 8601). */
  receivedAt: string;
  /** When it happened according to the provider (ISO 8601), when the provider says. */
  occurredAt: string | null;
  /** The provider's payload, validated against the type's DTO; unknown extra fields are kept as sent. */
  data: Record<string, unknown>;
}

/** Validation class used by consumers before a record reaches a handler. */
@CompiledRules()
export class CanonicalEventV1Message implements CanonicalEventV1 {
  @IsIn([CANONICAL_EVENT_SCHEMA])
  schema: typeof CANONICAL_EVENT_SCHEMA;

  @Matches(/^evt_[0-9A-Za-z]{10,40}$/)
  id: string;

  @Matches(/^[a-z]+(\.[A-Za-z_]+)+$/)
  type: string;

  @IsIn(PROVIDERS)
  provider: Provider;

  @IsString()
  sourceId: string;

  @IsString()
  tenantId: string;

  @IsISO8601({ strict: true })
  receivedAt: string;

  @IsOptional()
  @IsISO8601()
  occurredAt: string | null;

  @IsObject()
  @Type(() => Object)
  data: Record<string, unknown>;
}

/** A record of `gateway.events.v1` as the event, or why it is not one. */
export function readCanonicalEvent(value: Buffer | null): CanonicalEventV1 | string {
  return readMessage(
    value,
    CanonicalEventV1Message,
    ['schema', 'id', 'type', 'provider', 'sourceId', 'tenantId', 'receivedAt', 'occurredAt', 'data'],
    CANONICAL_EVENT_SCHEMA,
  );
}
