import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  CanonicalEventV1,
  ConfigChangeV1,
  compileEndpointFilter,
  compileOrdering,
  isAboutEndpoint,
  parseRetrySchedule,
  subscribesTo,
} from '@gateway/contracts';
import { signingSecrets } from '@gateway/delivery';
import { ChangeFedCache, ConfigMark, KafkaBatchTransport } from '@gateway/messaging';
import { EndpointEntity, EndpointFormat, openEndpointHeaders } from '@gateway/persistence';
import { SecretBox } from '@gateway/security';
import { FanoutConfig } from '../fanout.config';
import { FanoutEndpointsRepository } from './fanout-endpoints.repository';

export interface CachedEndpoint {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  format: EndpointFormat;
  enabled: boolean;
  timeoutMs: number;
  rateLimitPerSecond: number | null;
  headers: Record<string, string>;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  /** The endpoint's payload filter, compiled when this version of the endpoint was loaded; null: no filter. */
  accepts: ((event: CanonicalEventV1) => boolean) | null;
  /** The endpoint's own delays between attempts (ms); null: GATEWAY_RETRY_SCHEDULE. */
  retrySchedule: number[] | null;
  /** Names the lane an event's delivery waits in (see compileOrdering); null: the endpoint is not ordered. */
  laneOf: ((event: CanonicalEventV1) => string) | null;
}

/**
 * Every endpoint with its opened secrets, by tenant: matching an event never reads the database.
 * Kept current by config-change records (within a second) and a periodic full reload.
 */
@Injectable()
export class EndpointCache implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(EndpointCache.name);
  private byId = new Map<string, CachedEndpoint>();
  private byTenant = new Map<string, CachedEndpoint[]>();
  private readonly sync: ChangeFedCache;

  constructor(
    private readonly repository: FanoutEndpointsRepository,
    private readonly box: SecretBox,
    config: FanoutConfig,
    transport: KafkaBatchTransport,
  ) {
    this.sync = new ChangeFedCache(EndpointCache.name, transport, {
      loadAll: () => this.reloadAll(),
      apply: (change) => this.apply(change),
      resyncSeconds: config.ENDPOINT_RESYNC_SECONDS,
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
  async current(): Promise<void> {
    await this.sync.current();
  }

  /**
   * Resolves once every change published before each mark (the `gateway-config-mark` of an accepted event) is applied
   * here: at once when the replica is past them, as `current()` otherwise (see ChangeFedCache.currentAsOf).
   */
  currentAsOf(marks: Iterable<ConfigMark | undefined>): Promise<void> {
    return this.sync.currentAsOf(marks);
  }

  get(id: string): CachedEndpoint | undefined {
    return this.byId.get(id);
  }

  /** Enabled endpoints of the event's tenant that subscribe to its type and receive it (see `receives`). */
  matching(event: CanonicalEventV1): CachedEndpoint[] {
    return (this.byTenant.get(event.tenantId) ?? []).filter(
      (e) => e.enabled && subscribesTo(e.eventTypes, event.type) && this.receives(e, event),
    );
  }

  /**
   * Whether an event of a type the endpoint subscribes to is delivered to it: its filter accepts the event, and the
   * event is not an operational event about the endpoint itself (a failing endpoint is not told it is failing).
   */
  receives(endpoint: CachedEndpoint, event: CanonicalEventV1): boolean {
    return !isAboutEndpoint(event, endpoint.id) && (endpoint.accepts?.(event) ?? true);
  }

  /** Secrets to sign with now: the current one, plus the previous one during a rotation overlap. */
  signingSecrets(endpoint: CachedEndpoint, now = Date.now()): string[] {
    return signingSecrets(endpoint.secret, endpoint.previousSecret, endpoint.previousSecretExpiresAt, now);
  }

  /** Applies a change made by this instance at once (the change record follows for the others). */
  markDisabled(id: string): void {
    const endpoint = this.byId.get(id);
    if (endpoint) endpoint.enabled = false;
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
    const next = new Map<string, CachedEndpoint>();
    for (const row of await this.repository.findAll()) {
      const cached = this.open(row);
      if (cached) next.set(row.id, cached);
    }
    this.byId = next;
    this.reindex();
  }

  private async apply(change: ConfigChangeV1): Promise<void> {
    if (change.entity === 'tenant' && change.op === 'deleted') {
      for (const [id, endpoint] of this.byId) if (endpoint.tenantId === change.id) this.byId.delete(id);
    } else if (change.entity === 'endpoint') {
      const row = change.op === 'deleted' ? null : await this.repository.findById(change.id);
      const cached = row && this.open(row);
      if (cached) this.byId.set(change.id, cached);
      else this.byId.delete(change.id);
    } else {
      return;
    }
    this.reindex();
  }

  private reindex(): void {
    const byTenant = new Map<string, CachedEndpoint[]>();
    for (const endpoint of this.byId.values()) {
      byTenant.set(endpoint.tenantId, [...(byTenant.get(endpoint.tenantId) ?? []), endpoint]);
    }
    this.byTenant = byTenant;
  }

  private open(row: EndpointEntity): CachedEndpoint | null {
    try {
      return {
        id: row.id,
        tenantId: row.tenantId,
        url: row.url,
        eventTypes: row.eventTypes,
        format: row.format,
        enabled: row.enabled,
        timeoutMs: row.timeoutMs,
        rateLimitPerSecond: row.rateLimitPerSecond,
        headers: openEndpointHeaders(this.box, row),
        secret: this.box.decrypt(row.secretSealed),
        previousSecret: row.previousSecretSealed ? this.box.decrypt(row.previousSecretSealed) : null,
        previousSecretExpiresAt: row.previousSecretExpiresAt?.getTime() ?? null,
        accepts: row.filter ? compileEndpointFilter(row.filter) : null,
        retrySchedule: row.retrySchedule ? parseRetrySchedule(row.retrySchedule) : null,
        laneOf: compileOrdering(row.ordering, row.orderingKey),
      };
    } catch (err) {
      this.logger.error(
        `endpoint ${row.id} is unusable: its secret or headers cannot be decrypted, or its filter or retry schedule read ` +
          `(${(err as Error).message})`,
      );
      return null;
    }
  }
}
