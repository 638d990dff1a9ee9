import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every accepted canonical event, stored by fanout as it consumes the events topic. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 40 })
  tenantId: string;

  @Column({ name: 'source_id', type: 'varchar', length: 40 })
  sourceId: string;

  @Column({ type: 'varchar', length: 80 })
  type: string;

  @Column({ type: 'varchar', length: 16 })
  provider: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;
}
