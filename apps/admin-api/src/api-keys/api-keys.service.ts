import { Injectable } from '@nestjs/common';
import { IdPrefix, SCOPES } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { ApiKeyEntity } from '@gateway/persistence';
import { generateApiKey, newId } from '@gateway/security';
import type { Principal } from '../auth/principal';
import { ConfigChangePublisher } from '../common/config-change.publisher';
import { iso } from '../common/iso';
import { Page, PageQuery, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './api-keys.dto';
import { ApiKeysRepository } from './api-keys.repository';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly changes: ConfigChangePublisher,
  ) {}

  async create(principal: Principal, tenantId: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponse> {
    await this.requireTenant(principal, tenantId);
    // A tenant key grants at most what it holds: without `scopes`, exactly that.
    const scopes = dto.scopes ?? (principal.kind === 'tenant' ? [...principal.scopes] : [...SCOPES]);
    requireHeld(principal, scopes, 'grant');
    const { key, prefix, hash } = generateApiKey();
    const row = await this.keys.insert({
      id: newId(IdPrefix.apiKey),
      tenantId,
      name: dto.name,
      prefix,
      keyHash: hash,
      scopes,
    });
    return { ...present(row), key };
  }

  async list(principal: Principal, tenantId: string, query: PageQuery): Promise<Page<ApiKeyResponse>> {
    await this.requireTenant(principal, tenantId);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    return toPage(await this.keys.listActive(tenantId, limit + 1, after), limit, present, (k) => [k.id]);
  }

  /** Answers like create (the whole key, with the new secret): what the spec promised, and a client expects. */
  async regenerate(principal: Principal, id: string): Promise<CreatedApiKeyResponse> {
    const row = await this.requireKey(principal, id);
    requireHeld(principal, row.scopes, 'regenerate a key with');
    const { key, prefix, hash } = generateApiKey();
    await this.keys.replaceSecret(row.id, prefix, hash);
    await this.changes.changed('api-key', row.id, row.tenantId);
    return { ...present({ ...row, prefix }), key };
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    const row = await this.requireKey(principal, id);
    requireHeld(principal, row.scopes, 'revoke a key with');
    await this.keys.revoke(row.id);
    await this.changes.changed('api-key', row.id, row.tenantId, 'deleted');
  }

  /** Another tenant's ids answer 404, exactly as if they did not exist. */
  private async requireTenant(principal: Principal, tenantId: string): Promise<void> {
    const visible = principal.kind === 'operator' || principal.tenantId === tenantId;
    if (!visible || !(await this.tenants.findById(tenantId))) throw ApiError.notFound('Tenant');
  }

  private async requireKey(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const row = await this.keys.findActive(id);
    if (!row || (principal.kind !== 'operator' && principal.tenantId !== row.tenantId))
      throw ApiError.notFound('API key');
    return row;
  }
}

/**
 * A tenant key may grant only scopes it holds, and regenerate or revoke only keys whose scopes it holds all of (or a
 * narrow `api-keys:write` key could mint itself every scope, or take over a wider key). The operator may do anything.
 */
function requireHeld(principal: Principal, scopes: readonly string[], action: string): void {
  if (principal.kind === 'operator') return;
  if (principal.kind === 'portal') throw ApiError.forbidden('A portal session cannot manage API keys.');
  const missing = scopes.find((scope) => !principal.scopes.has(scope));
  if (missing)
    throw ApiError.forbidden(
      `This API key cannot ${action} the "${missing}" scope: a key may grant, regenerate and revoke only scopes it holds.`,
    );
}

function present(k: ApiKeyEntity): ApiKeyResponse {
  return {
    id: k.id,
    tenantId: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: iso(k.createdAt)!,
    lastUsedAt: iso(k.lastUsedAt),
  };
}
