import type { EndpointFilter, EndpointOrdering } from '@gateway/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type EndpointFormat = 'standard' | 'kaynko';

/** A subscriber's HTTPS endpoint. */
@Entity({ name: 'endpoints' })
export class EndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 40 })
  tenantId: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes: string[];

  @Column({ type: 'varchar', length: 16, default: 'standard' })
  format: EndpointFormat;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ name: 'timeout_ms', type: 'integer', default: 5000 })
  timeoutMs: number;

  @Column({ name: 'rate_limit_per_second', type: 'integer', nullable: true })
  rateLimitPerSecond: number | null;

  /** Which of the subscribed events are delivered (an EndpointFilter, validated by admin-api); null: all of them. */
  @Column({ type: 'jsonb', nullable: true })
  filter: EndpointFilter | null;

  /** The endpoint's own delays between attempts (`["10s", "1m"]`), or null for GATEWAY_RETRY_SCHEDULE. */
  @Column({ name: 'retry_schedule', type: 'text', array: true, nullable: true })
  retrySchedule: string[] | null;

  /** none, source or key (see compileOrdering in @gateway/contracts). */
  @Column({ type: 'varchar', length: 8, default: 'none' })
  ordering: EndpointOrdering;

  /** v1 (HMAC: secretSealed is a shared secret) or v1a (ed25519: secretSealed is a `whsk_…` signing key). */
  @Column({ name: 'signature_scheme', type: 'varchar', length: 4, default: 'v1' })
  signatureScheme: 'v1' | 'v1a';

  /** The JSON Pointer whose value orders deliveries, with `ordering` key only. */
  @Column({ name: 'ordering_key', type: 'text', nullable: true })
  orderingKey: string | null;

  /**
   * Custom headers stored before they were sealed (`{}` once `npm run secrets:reseal` has sealed them). Read them
   * through `openEndpointHeaders`, never directly.
   */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  headers: Record<string, string>;

  /** The custom headers sent with every delivery, as JSON sealed by the SecretBox (often credentials); null if none. */
  @Column({ name: 'headers_sealed', type: 'text', nullable: true })
  headersSealed: string | null;

  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  /** Kept after a rotation so receivers can switch over; signed with both until it expires. */
  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true })
  previousSecretSealed: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Start of the current run of failed attempts (null while the endpoint succeeds). */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
