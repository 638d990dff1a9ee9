import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A portal link and, once exchanged, its access token: both stored only as hashes. */
@Entity({ name: 'portal_sessions' })
export class PortalSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 40 })
  tenantId: string;

  /** null: every endpoint of the tenant. */
  @Column({ name: 'endpoint_ids', type: 'text', array: true, nullable: true })
  endpointIds: string[] | null;

  @Column({ name: 'read_only', type: 'boolean' })
  readOnly: boolean;

  @Column({ name: 'token_hash', type: 'char', length: 64, select: false })
  tokenHash: string;

  @Column({ name: 'access_hash', type: 'char', length: 64, nullable: true, select: false })
  accessHash: string | null;

  /** The API key's id that made it, or `operator`. */
  @Column({ name: 'created_by', type: 'varchar', length: 40 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'exchanged_at', type: 'timestamptz', nullable: true })
  exchangedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
