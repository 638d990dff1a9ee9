import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type SourceProvider = 'kaynko' | 'digitax' | 'qerko';

/** Provider-specific settings: Qerko's API base URL and POS id. */
export interface SourceConfig {
  apiBaseUrl?: string;
  posId?: string;
}

/** A provider account that pushes events to us. Secrets and tokens are sealed (AES-256-GCM), never stored plain. */
@Entity({ name: 'sources' })
export class SourceEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 40 })
  tenantId: string;

  @Column({ type: 'varchar', length: 16 })
  provider: SourceProvider;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Kaynko HMAC secret or the restaurant's Qerko API key. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true })
  secretSealed: string | null;

  /** URL token for providers that cannot sign (DigiTax) and for Qerko's fallback. */
  @Column({ name: 'token_sealed', type: 'text', nullable: true })
  tokenSealed: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  config: SourceConfig;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
