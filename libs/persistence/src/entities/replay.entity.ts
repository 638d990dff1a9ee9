import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ReplayStatus = 'pending' | 'running' | 'completed';

/** A replay job; fan-out's ReplayWorker turns its window into deliveries, a chunk at a time. */
@Entity({ name: 'replays' })
export class ReplayEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 40 }) tenantId: string;
  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 }) endpointId: string;
  @Column({ type: 'timestamptz' }) since: Date;
  @Column({ type: 'timestamptz' }) until: Date;
  /** Patterns (exact, `provider.*`, `*`) the replayed events match. */
  @Column({ name: 'event_types', type: 'text', array: true }) eventTypes: string[];
  @Column({ type: 'varchar', length: 16 }) status: ReplayStatus;
  /** Matching events when the job was created. */
  @Column({ type: 'integer' }) total: number;
  /** Deliveries created so far. */
  @Column({ type: 'integer', default: 0 }) scheduled: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
}
