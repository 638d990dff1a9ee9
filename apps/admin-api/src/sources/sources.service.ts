import { Injectable } from '@nestjs/common';
import { FieldError, IdPrefix } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { SourceEntity } from '@gateway/persistence';
import { SecretBox, UrlGuard, generateToken, newId } from '@gateway/security';
import { AdminApiConfig } from '../admin-api.config';
import { ConfigChangePublisher } from '../common/config-change.publisher';
import { iso } from '../common/iso';
import { Page, PageQuery, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { CreateSourceDto, SourceResponse, UpdateSourceDto } from './sources.dto';
import { qerkoUrlProblems } from './source.rules';
import { SourcesRepository } from './sources.repository';

@Injectable()
export class SourcesService {
  constructor(
    private readonly sources: SourcesRepository,
    private readonly box: SecretBox,
    private readonly config: AdminApiConfig,
    private readonly changes: ConfigChangePublisher,
    private readonly urlGuard: UrlGuard,
  ) {}

  /**
   * What an update may change depends on the source's provider (the body's own rules ran in the validation pipe):
   * every problem in one answer.
   */
  private async checkUpdate(current: SourceEntity, dto: UpdateSourceDto): Promise<void> {
    const problems: FieldError[] = [];
    if (current.provider === 'digitax' && dto.secret !== undefined) {
      problems.push({ field: 'secret', reason: 'DigiTax sources have no secret' });
    }
    if (current.provider === 'qerko' && dto.secret === null) {
      problems.push({ field: 'secret', reason: 'a Qerko source needs its API key' });
    }
    if (current.provider !== 'qerko' && dto.config !== undefined) {
      problems.push({ field: 'config', reason: 'only Qerko sources take a config' });
    } else if (dto.config !== undefined) {
      // The API base URL receives the restaurant's Qerko API key: whoever redirects it must know that key already.
      if (
        dto.config.apiBaseUrl !== current.config.apiBaseUrl &&
        typeof dto.secret !== 'string' &&
        dto.secret !== null
      ) {
        problems.push({
          field: 'secret',
          reason: "is required to change config.apiBaseUrl: the new URL receives the restaurant's Qerko API key",
        });
      }
      problems.push(...(await qerkoUrlProblems(this.urlGuard, dto.config.apiBaseUrl)));
    }
    if (problems.length) throw ApiError.validation(problems);
  }

  async create(tenantId: string, dto: CreateSourceDto): Promise<SourceResponse> {
    // DigiTax authenticates with a URL token; Kaynko too while it has no secret; Qerko keeps one as a fallback when a
    // request carries no signature.
    const row = await this.sources.insert({
      id: newId(IdPrefix.source),
      tenantId,
      provider: dto.provider,
      name: dto.name,
      enabled: dto.enabled ?? true,
      secretSealed: dto.secret ? this.box.encrypt(dto.secret) : null,
      tokenSealed: this.box.encrypt(generateToken()),
      config: dto.config ? { apiBaseUrl: dto.config.apiBaseUrl, posId: dto.config.posId } : {},
    });
    await this.changes.changed('source', row.id, tenantId);
    return this.present(row, { revealToken: true });
  }

  async list(tenantId: string, query: PageQuery): Promise<Page<SourceResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    return toPage(
      await this.sources.list(tenantId, limit + 1, after),
      limit,
      (s) => this.present(s),
      (s) => [s.id],
    );
  }

  async get(tenantId: string, id: string): Promise<SourceResponse> {
    return this.present(await this.require(tenantId, id));
  }

  async update(tenantId: string, id: string, dto: UpdateSourceDto): Promise<SourceResponse> {
    const current = await this.require(tenantId, id);
    await this.checkUpdate(current, dto);
    const patch: Partial<SourceEntity> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.enabled !== undefined) patch.enabled = dto.enabled;
    if (dto.secret !== undefined) patch.secretSealed = dto.secret === null ? null : this.box.encrypt(dto.secret);
    if (dto.config !== undefined) patch.config = { apiBaseUrl: dto.config.apiBaseUrl, posId: dto.config.posId };
    // A Kaynko source losing its secret falls back to its URL token (one is made if it predates tokens).
    const toToken = current.provider === 'kaynko' && dto.secret === null && current.secretSealed !== null;
    if (toToken && !current.tokenSealed) patch.tokenSealed = this.box.encrypt(generateToken());
    const row = Object.keys(patch).length ? await this.sources.update(id, patch) : current;
    await this.changes.changed('source', id, tenantId);
    return this.present(row, { revealToken: toToken });
  }

  /**
   * A new URL token for a Kaynko or DigiTax source; the old one is refused from this answer on. The answer shows the
   * ingestUrl with the new token.
   */
  async rotateToken(tenantId: string, id: string): Promise<SourceResponse> {
    const current = await this.require(tenantId, id);
    if (current.provider === 'qerko') {
      throw ApiError.badRequest('unsupported', 'Qerko sources authenticate by signature: they have no URL token.');
    }
    const row = await this.sources.update(id, { tokenSealed: this.box.encrypt(generateToken()) });
    await this.changes.changed('source', id, tenantId);
    return this.present(row, { revealToken: true });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.require(tenantId, id);
    await this.sources.delete(id);
    await this.changes.changed('source', id, tenantId, 'deleted');
  }

  private async require(tenantId: string, id: string): Promise<SourceEntity> {
    const row = await this.sources.findForTenant(tenantId, id);
    if (!row) throw ApiError.notFound('Source');
    return row;
  }

  /** DigiTax's URL always shows its token; a secret-less Kaynko source's only when `revealToken` (like a key). */
  private ingestUrl(s: SourceEntity, revealToken: boolean): string {
    const base = (
      s.provider === 'qerko' ? this.config.GATEWAY_PUBLIC_QERKO_URL : this.config.GATEWAY_PUBLIC_INGEST_URL
    ).replace(/\/+$/, '');
    if (s.provider === 'qerko') return `${base}/v1/qerko/${s.id}/webhook`;
    const url = `${base}/v1/ingest/${s.provider}/${s.id}`;
    const show = s.provider === 'digitax' || (revealToken && authentication(s) === 'url_token');
    return show && s.tokenSealed ? `${url}?token=${encodeURIComponent(this.box.decrypt(s.tokenSealed))}` : url;
  }

  private present(s: SourceEntity, { revealToken = false } = {}): SourceResponse {
    return {
      id: s.id,
      tenantId: s.tenantId,
      provider: s.provider,
      name: s.name,
      enabled: s.enabled,
      ingestUrl: this.ingestUrl(s, revealToken),
      authentication: authentication(s),
      hasSecret: s.secretSealed !== null,
      config: s.config,
      verifiedAt: iso(s.verifiedAt),
      lastSeenAt: iso(s.lastSeenAt),
      createdAt: iso(s.createdAt)!,
      updatedAt: iso(s.updatedAt)!,
    };
  }
}

/** How ingest authenticates this source's callbacks (the rule is in ingest's provider adapters). */
function authentication(s: SourceEntity): SourceResponse['authentication'] {
  if (s.provider === 'digitax') return 'url_token';
  if (s.secretSealed) return 'signature';
  return s.tokenSealed ? 'url_token' : 'none';
}
