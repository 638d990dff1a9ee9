import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ConfigChangeV1 } from '@gateway/contracts';
import { ChangeFedCache, ConfigMark, KafkaBatchTransport } from '@gateway/messaging';
import { SourceEntity } from '@gateway/persistence';
import { SecretBox } from '@gateway/security';
import { QerkoBridgeConfig } from '../qerko-bridge.config';

export interface QerkoSource {
  id: string;
  tenantId: string;
  enabled: boolean;
  /** The restaurant's Qerko API key: signs Qerko's webhooks and authorises our /reply calls. */
  apiKey: string;
  /** Fallback authentication for webhooks that carry no signature. */
  token: string | null;
  apiBaseUrl: string;
  posId: string;
}

/** Qerko sources with opened secrets, in memory; kept current like ingest's source cache. */
@Injectable()
export class QerkoSourceCache implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(QerkoSourceCache.name);
  private sources = new Map<string, QerkoSource>();
  private readonly sync: ChangeFedCache;

  constructor(
    @InjectRepository(SourceEntity) private readonly rows: Repository<SourceEntity>,
    private readonly box: SecretBox,
    config: QerkoBridgeConfig,
    transport: KafkaBatchTransport,
  ) {
    this.sync = new ChangeFedCache(QerkoSourceCache.name, transport, {
      loadAll: async () => {
        const next = new Map<string, QerkoSource>();
        for (const row of await this.rows.findBy({ provider: 'qerko' })) {
          const source = this.open(row);
          if (source) next.set(row.id, source);
        }
        this.sources = next;
      },
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

  get(id: string): QerkoSource | undefined {
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

  private async apply(change: ConfigChangeV1): Promise<void> {
    if (change.entity === 'tenant' && change.op === 'deleted') {
      for (const [id, source] of this.sources) if (source.tenantId === change.id) this.sources.delete(id);
      return;
    }
    if (change.entity !== 'source') return;
    const row = change.op === 'deleted' ? null : await this.rows.findOneBy({ id: change.id, provider: 'qerko' });
    const source = row && this.open(row);
    if (source) this.sources.set(change.id, source);
    else this.sources.delete(change.id);
  }

  private open(row: SourceEntity): QerkoSource | null {
    try {
      if (!row.secretSealed || !row.config.apiBaseUrl || !row.config.posId) return null;
      return {
        id: row.id,
        tenantId: row.tenantId,
        enabled: row.enabled,
        apiKey: this.box.decrypt(row.secretSealed),
        token: row.tokenSealed ? this.box.decrypt(row.tokenSealed) : null,
        apiBaseUrl: row.config.apiBaseUrl,
        posId: row.config.posId,
      };
    } catch (err) {
      this.logger.error(`Qerko source ${row.id} is unusable: ${(err as Error).message}`);
      return null;
    }
  }
}
