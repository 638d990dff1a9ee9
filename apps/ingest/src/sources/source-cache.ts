import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ConfigChangeV1 } from '@gateway/contracts';
import { ChangeFedCache, ConfigMark, KafkaBatchTransport } from '@gateway/messaging';
import { SourceEntity, SourceProvider } from '@gateway/persistence';
import { SecretBox } from '@gateway/security';
import { IngestConfig } from '../ingest.config';
import { IngestSourcesRepository } from './ingest-sources.repository';

export interface CachedSource {
  id: string;
  tenantId: string;
  provider: SourceProvider;
  enabled: boolean;
  /** Kaynko HMAC secret (plaintext, in memory only). */
  secret: string | null;
  /** URL token: DigiTax, and Kaynko without a secret. */
  token: string | null;
}

/**
 * Every source with its opened secrets, in memory: the request path never reads the database.
 * Kept current by config-change records (a change applies within a second) and a periodic full reload.
 */
@Injectable()
export class SourceCache implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SourceCache.name);
  private sources = new Map<string, CachedSource>();
  private readonly sync: ChangeFedCache;

  constructor(
    private readonly repository: IngestSourcesRepository,
    private readonly box: SecretBox,
    config: IngestConfig,
    transport: KafkaBatchTransport,
  ) {
    this.sync = new ChangeFedCache(SourceCache.name, transport, {
      loadAll: () => this.reloadAll(),
      apply: (change) => this.apply(change),
      resyncSeconds: config.SOURCE_RESYNC_SECONDS,
      freshnessTimeoutMs: config.CONFIG_FRESHNESS_TIMEOUT_MS,
    });
  }

  get ready(): boolean {
    return this.sync.ready;
  }

  /**
   * Resolves once every configuration change published before the call is applied here (see ChangeFedCache);
   * ConfigNotCurrentError after CONFIG_FRESHNESS_TIMEOUT_MS.
   */
  current(): Promise<ConfigMark> {
    return this.sync.current();
  }

  get(id: string): CachedSource | undefined {
    return this.sources.get(id);
  }

  /** One change from gateway.config-changes.v1 (ConfigChangesController), applied in turn with the reloads. */
  applyChange(change: ConfigChangeV1): Promise<void> {
    return this.sync.applyChange(change);
  }

  onModuleInit(): Promise<void> {
    return this.sync.start();
  }

  beforeApplicationShutdown(): void {
    this.sync.stop();
  }

  private async reloadAll(): Promise<void> {
    const rows = await this.repository.findAll();
    const next = new Map<string, CachedSource>();
    for (const row of rows) {
      const cached = this.open(row);
      if (cached) next.set(row.id, cached);
    }
    this.sources = next;
  }

  private async apply(change: ConfigChangeV1): Promise<void> {
    if (change.entity === 'tenant' && change.op === 'deleted') {
      for (const [id, source] of this.sources) if (source.tenantId === change.id) this.sources.delete(id);
      return;
    }
    if (change.entity !== 'source') return;
    const row = change.op === 'deleted' ? null : await this.repository.findById(change.id);
    const cached = row && this.open(row);
    if (cached) this.sources.set(change.id, cached);
    else this.sources.delete(change.id);
  }

  private open(row: SourceEntity): CachedSource | null {
    try {
      return {
        id: row.id,
        tenantId: row.tenantId,
        provider: row.provider,
        enabled: row.enabled,
        secret: row.secretSealed ? this.box.decrypt(row.secretSealed) : null,
        token: row.tokenSealed ? this.box.decrypt(row.tokenSealed) : null,
      };
    } catch (err) {
      // A secret we cannot open (wrong GATEWAY_ENCRYPTION_KEY) must not make the source accept unsigned events.
      this.logger.error(`source ${row.id} is unusable: its secret cannot be decrypted (${(err as Error).message})`);
      return null;
    }
  }
}
