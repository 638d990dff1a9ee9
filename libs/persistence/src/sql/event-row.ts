import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from '@gateway/contracts';

/** The columns of `events` that make a canonical event, for `SELECT ${eventColumns('e')}`. */
export const eventColumns = (alias: string) =>
  ['id', 'tenant_id', 'source_id', 'type', 'provider', 'received_at', 'occurred_at', 'data']
    .map((c) => `${alias}.${c}`)
    .join(', ');

/** A row of `events` as the pg driver returns it. */
export interface EventRow {
  id: string;
  tenant_id: string;
  source_id: string;
  type: string;
  provider: CanonicalEventV1['provider'];
  received_at: Date;
  occurred_at: Date | null;
  data: Record<string, unknown>;
}

/** The stored event as the canonical event it was accepted as. */
export function canonicalEvent(r: EventRow): CanonicalEventV1 {
  return {
    schema: CANONICAL_EVENT_SCHEMA,
    id: r.id,
    type: r.type,
    provider: r.provider,
    sourceId: r.source_id,
    tenantId: r.tenant_id,
    receivedAt: r.received_at.toISOString(),
    occurredAt: r.occurred_at?.toISOString() ?? null,
    data: r.data,
  };
}
