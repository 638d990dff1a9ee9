import { Injectable } from '@nestjs/common';
import {
  describeLane,
  CANONICAL_EVENT_SCHEMA,
  CanonicalEventV1,
  compileEndpointFilter,
  derivedEventId,
  eventTypeDefinition,
  IdPrefix,
  isAboutEndpoint,
  subscribesTo,
} from '@gateway/contracts';
import { HttpSender, renderRequest, signingSecrets } from '@gateway/delivery';
import { ApiError } from '@gateway/http';
import { EndpointEntity, openEndpointHeaders, sealEndpointHeaders } from '@gateway/persistence';
import { SecretBox, newId } from '@gateway/security';
import { generateEndpointSecret, generateSigningKeyPair, publicJwk, publicKeyOf } from '@gateway/webhooks';
import { AdminApiConfig } from '../admin-api.config';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { ConfigChangePublisher } from '../common/config-change.publisher';
import { iso } from '../common/iso';
import { deploymentRetrySchedule } from '../common/retry-schedule';
import { Page, PageQuery, decodeCursor, pageLimit, toPage } from '../common/pagination';
import {
  CreateEndpointDto,
  EndpointResponse,
  EndpointTestResponse,
  EndpointWithSecretResponse,
  SecretResponse,
  SignatureScheme,
  TestEndpointDto,
  UpdateEndpointDto,
} from './endpoints.dto';
import { orderingAfter, signatureSchemeAfter } from './endpoint.rules';
import { EndpointsRepository } from './endpoints.repository';

/** Held keys listed by an endpoint's stats (all are counted). */
const HELD_SHOWN = 100;

/** Points of an endpoint's stats series: the window in equal buckets, for charts. */
const SERIES_BUCKETS = 24;

@Injectable()
export class EndpointsService {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly box: SecretBox,
    private readonly config: AdminApiConfig,
    private readonly changes: ConfigChangePublisher,
    private readonly sender: HttpSender,
  ) {}

  async create(tenantId: string, dto: CreateEndpointDto): Promise<EndpointWithSecretResponse> {
    const ordering = orderingAfter(dto);
    if ('field' in ordering) throw ApiError.validation([ordering]);
    const scheme = signatureSchemeAfter(dto);
    if (typeof scheme !== 'string') throw ApiError.validation([scheme]);
    const secret = newSecret(scheme, dto.secret);
    const row = await this.endpoints.insert({
      id: newId(IdPrefix.endpoint),
      tenantId,
      url: dto.url,
      name: dto.name ?? null,
      description: dto.description ?? null,
      eventTypes: dto.eventTypes,
      format: dto.format ?? 'standard',
      enabled: dto.enabled ?? true,
      disabledReason: null,
      timeoutMs: dto.timeoutMs ?? 5000,
      rateLimitPerSecond: dto.rateLimitPerSecond ?? null,
      filter: dto.filter ?? null,
      retrySchedule: dto.retrySchedule ?? null,
      ...ordering,
      signatureScheme: scheme,
      ...sealEndpointHeaders(this.box, dto.headers ?? {}),
      secretSealed: this.box.encrypt(secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      failingSince: null,
    });
    await this.changes.changed('endpoint', row.id, tenantId);
    const { scheme: _, ...shown } = secretView(scheme, secret);
    return { ...this.present(row), ...shown };
  }

  async list(tenantId: string, query: PageQuery, visible: VisibleEndpoints = null): Promise<Page<EndpointResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    return toPage(
      await this.endpoints.list(tenantId, limit + 1, after, visible),
      limit,
      (e) => this.present(e),
      (e) => [e.id],
    );
  }

  async get(tenantId: string, id: string): Promise<EndpointResponse> {
    return this.present(await this.require(tenantId, id));
  }

  /** What a receiver verifies with: the shared secret (v1), or the public key (v1a; never the private one). */
  async secret(tenantId: string, id: string): Promise<SecretResponse> {
    const endpoint = await this.require(tenantId, id);
    return secretView(endpoint.signatureScheme, this.box.decrypt(endpoint.secretSealed));
  }

  async update(tenantId: string, id: string, dto: UpdateEndpointDto): Promise<EndpointResponse> {
    const current = await this.require(tenantId, id);
    const ordering = orderingAfter(dto, current);
    if ('field' in ordering) throw ApiError.validation([ordering]);
    const scheme = signatureSchemeAfter(dto, current);
    if (typeof scheme !== 'string') throw ApiError.validation([scheme]);
    const patch: Partial<EndpointEntity> = {};
    // A change of scheme is a rotation: a new secret or key pair, the old one signing beside it during the overlap.
    if (scheme !== current.signatureScheme) {
      Object.assign(patch, { signatureScheme: scheme, ...this.rotation(current, newSecret(scheme)) });
    }
    if (ordering.ordering !== current.ordering || ordering.orderingKey !== current.orderingKey) {
      Object.assign(patch, ordering);
    }
    for (const key of [
      'url',
      'name',
      'description',
      'eventTypes',
      'format',
      'timeoutMs',
      'rateLimitPerSecond',
      'filter',
      'retrySchedule',
    ] as const) {
      if (dto[key] !== undefined) (patch as Record<string, unknown>)[key] = dto[key];
    }
    if (dto.headers !== undefined) Object.assign(patch, sealEndpointHeaders(this.box, dto.headers));
    if (dto.enabled !== undefined) {
      patch.enabled = dto.enabled;
      // Re-enabling starts a fresh record: the endpoint is no longer "failing for days".
      if (dto.enabled) Object.assign(patch, { disabledReason: null, failingSince: null });
    }
    const row = Object.keys(patch).length ? await this.endpoints.update(id, patch) : current;
    await this.changes.changed('endpoint', id, tenantId);
    return this.present(row);
  }

  /** The previous secret keeps signing (beside the new one) for the configured overlap, so receivers can switch. */
  async rotateSecret(tenantId: string, id: string, supplied?: string): Promise<SecretResponse> {
    const current = await this.require(tenantId, id);
    if (current.signatureScheme === 'v1a' && supplied !== undefined) {
      throw ApiError.validation([
        { field: 'secret', reason: "a v1a endpoint's key pair is generated by the gateway: omit secret" },
      ]);
    }
    const secret = newSecret(current.signatureScheme, supplied);
    await this.endpoints.update(id, this.rotation(current, secret));
    await this.changes.changed('endpoint', id, tenantId);
    return secretView(current.signatureScheme, secret);
  }

  /** The columns of a rotation to `secret`: the current one keeps signing for GATEWAY_SECRET_ROTATION_OVERLAP_HOURS. */
  private rotation(current: EndpointEntity, secret: string): Partial<EndpointEntity> {
    const overlapMs = this.config.GATEWAY_SECRET_ROTATION_OVERLAP_HOURS * 3600_000;
    return {
      secretSealed: this.box.encrypt(secret),
      previousSecretSealed: overlapMs > 0 ? current.secretSealed : null,
      previousSecretExpiresAt: overlapMs > 0 ? new Date(Date.now() + overlapMs) : null,
    };
  }

  /**
   * Sends a sample event now and returns the attempt's outcome (not stored as a delivery). By default Kaynko-format
   * endpoints get Kaynko's own `ping`, as the app's Test button sends, and others `gateway.ping`; a sample `type` the
   * endpoint does not subscribe to, or one its filter refuses, is not sent (`filteredOut`), as it would not be delivered.
   */
  async test(tenantId: string, id: string, sample: TestEndpointDto = {}): Promise<EndpointTestResponse> {
    const endpoint = await this.require(tenantId, id);
    const now = new Date().toISOString();
    const type = sample.type ?? (endpoint.format === 'kaynko' ? 'kaynko.ping' : 'gateway.ping');
    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: derivedEventId('test', id, now),
      type,
      provider: eventTypeDefinition(type)!.provider,
      sourceId: id,
      tenantId,
      receivedAt: now,
      occurredAt: now,
      data: sample.data ?? { endpointId: id, message: 'Test message from the POS Event Gateway.' },
    };
    // As fan-out decides (EndpointCache.matching), but the default ping is sent whatever the endpoint subscribes to.
    const refusal =
      sample.type !== undefined && !subscribesTo(endpoint.eventTypes, type)
        ? `the endpoint does not subscribe to ${type}, so the sample was not sent`
        : sample.type !== undefined && isAboutEndpoint(event, id)
          ? 'an operational event about an endpoint is never delivered to that endpoint, so the sample was not sent'
          : endpoint.filter && !compileEndpointFilter(endpoint.filter)(event)
            ? "the sample does not match the endpoint's filter, so it was not sent (nor would such an event be delivered)"
            : null;
    if (refusal) {
      return {
        eventId: event.id,
        succeeded: false,
        filteredOut: true,
        statusCode: null,
        durationMs: 0,
        error: { class: 'filtered_out', message: refusal },
        responseBody: null,
      };
    }
    const headers = openEndpointHeaders(this.box, endpoint);
    // Signed exactly as deliveries are: during a rotation's overlap with both secrets.
    const secrets = signingSecrets(
      this.box.decrypt(endpoint.secretSealed),
      endpoint.previousSecretSealed ? this.box.decrypt(endpoint.previousSecretSealed) : null,
      endpoint.previousSecretExpiresAt?.getTime() ?? null,
    );
    const rendered = renderRequest(event, { ...endpoint, headers }, secrets);
    const result = await this.sender.send({
      url: endpoint.url,
      headers: rendered.headers,
      body: rendered.body,
      timeoutMs: endpoint.timeoutMs,
    });
    return {
      eventId: event.id,
      succeeded: result.errorClass === null,
      filteredOut: false,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.errorClass ? { class: result.errorClass, message: result.errorMessage ?? result.errorClass } : null,
      // At most 1 KiB, and nothing from an address inside the operator's network (an allowed private range).
      responseBody: this.sender.reachesPrivately(endpoint.url) ? null : result.body,
    };
  }

  async stats(tenantId: string, id: string, window: '1h' | '24h' | '7d' | '30d' = '24h') {
    const endpoint = await this.require(tenantId, id);
    const hours = { '1h': 1, '24h': 24, '7d': 168, '30d': 720 }[window];
    const since = new Date(Date.now() - hours * 3600_000);
    const bucketSeconds = (hours * 3600) / SERIES_BUCKETS;
    const [s, rows, held] = await Promise.all([
      this.endpoints.stats(id, since),
      this.endpoints.series(id, since, bucketSeconds),
      this.endpoints.heldLanes(id, HELD_SHOWN),
    ]);
    const round = (v: number | null) => (v === null ? null : Math.round(v));
    const byBucket = new Map(rows.map((r) => [r.bucket, r]));
    const series = Array.from({ length: SERIES_BUCKETS }, (_, i) => {
      const row = byBucket.get(i);
      return {
        from: new Date(since.getTime() + i * bucketSeconds * 1000).toISOString(),
        attempts: row?.attempts ?? 0,
        succeeded: row?.succeeded ?? 0,
        successRate: row?.attempts ? row.succeeded / row.attempts : null,
        p95LatencyMs: round(row?.p95 ?? null),
      };
    });
    return {
      endpointId: id,
      window,
      attempts: s.attempts,
      succeeded: s.succeeded,
      failed: s.attempts - s.succeeded,
      successRate: s.attempts ? s.succeeded / s.attempts : null,
      latencyMs: { p50: round(s.p50), p95: round(s.p95), p99: round(s.p99) },
      failuresByReason: Object.fromEntries(s.failures.map((f) => [f.reason, f.count])),
      series,
      // Also after ordering was switched off, while deliveries made in order still wait in their lanes.
      ordering:
        endpoint.ordering === 'none' && !held.count
          ? null
          : {
              ordering: endpoint.ordering,
              heldKeys: held.count,
              held: held.lanes.map((h) => ({
                ...describeLane(h.lane),
                replayId: h.replayId,
                deliveryId: h.deliveryId,
                attempts: h.attempts,
                nextAttemptAt: iso(h.nextAttemptAt),
                lastError: h.lastError,
                waiting: h.waiting,
              })),
            },
    };
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.require(tenantId, id);
    await this.endpoints.delete(id);
    await this.changes.changed('endpoint', id, tenantId, 'deleted');
  }

  private async require(tenantId: string, id: string): Promise<EndpointEntity> {
    const row = await this.endpoints.findForTenant(tenantId, id);
    if (!row) throw ApiError.notFound('Endpoint');
    return row;
  }

  private present(e: EndpointEntity): EndpointResponse {
    return present(e, openEndpointHeaders(this.box, e), deploymentRetrySchedule(this.config));
  }
}

function present(e: EndpointEntity, headers: Record<string, string>, defaultRetrySchedule: string[]): EndpointResponse {
  return {
    id: e.id,
    tenantId: e.tenantId,
    url: e.url,
    name: e.name,
    description: e.description,
    eventTypes: e.eventTypes,
    format: e.format,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: iso(e.failingSince),
    timeoutMs: e.timeoutMs,
    rateLimitPerSecond: e.rateLimitPerSecond,
    headers,
    filter: e.filter,
    retrySchedule: e.retrySchedule,
    retryScheduleInForce: e.retrySchedule ?? defaultRetrySchedule,
    ordering: e.ordering,
    orderingKey: e.orderingKey,
    signatureScheme: e.signatureScheme,
    createdAt: iso(e.createdAt)!,
    updatedAt: iso(e.updatedAt)!,
  };
}

/** A new signing secret of the scheme: a `whsec_…` (or the merchant's own) for v1, a `whsk_…` ed25519 key for v1a. */
function newSecret(scheme: SignatureScheme, supplied?: string): string {
  return scheme === 'v1a' ? generateSigningKeyPair().secretKey : (supplied ?? generateEndpointSecret());
}

/** What may be shown of a secret: a v1 secret itself; of a v1a key, only its public half (raw and as a JWK). */
function secretView(scheme: SignatureScheme, secret: string): SecretResponse {
  if (scheme === 'v1') return { scheme, secret };
  const publicKey = publicKeyOf(secret);
  return { scheme, publicKey, jwk: publicJwk(publicKey) };
}
