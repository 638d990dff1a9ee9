import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ConfigChangeV1 } from '@gateway/contracts';
import { ConfigChangeListener, KafkaConnection } from '@gateway/messaging';
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
  /** DigiTax URL token. */
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
  private readonly listener: ConfigChangeListener;
  private timer?: NodeJS.Timeout;
  private loaded = false;

  constructor(
    private readonly repository: IngestSourcesRepository,
    private readonly box: SecretBox,
    private readonly config: IngestConfig,
    kafka: KafkaConnection,
  ) {
    this.listener = new ConfigChangeListener(kafka, (change) => this.apply(change));
  }

  get ready(): boolean {
    return this.loaded && this.listener.healthy;
  }

  get(id: string): CachedSource | undefined {
    return this.sources.get(id);
  }

  async onModuleInit(): Promise<void> {
    // Listen first, then load: a change committed in between is applied twice rather than missed.
    await this.listener.start();
    await this.reloadAll();
    this.timer = setInterval(() => {
      this.reloadAll().catch((err: Error) => this.logger.warn(`source resync failed: ${err.message}`));
    }, this.config.SOURCE_RESYNC_SECONDS * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.listener.stop();
  }

  private async reloadAll(): Promise<void> {
    const rows = await this.repository.findAll();
    const next = new Map<string, CachedSource>();
    for (const row of rows) {
      const cached = this.open(row);
      if (cached) next.set(row.id, cached);
    }
    this.sources = next;
    this.loaded = true;
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
