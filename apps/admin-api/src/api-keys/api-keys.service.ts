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
    const { key, prefix, hash } = generateApiKey();
    const row = await this.keys.insert({
      id: newId(IdPrefix.apiKey),
      tenantId,
      name: dto.name,
      prefix,
      keyHash: hash,
      scopes: dto.scopes ?? [...SCOPES],
    });
    return { ...present(row), key };
  }

  async list(principal: Principal, tenantId: string, query: PageQuery): Promise<Page<ApiKeyResponse>> {
    await this.requireTenant(principal, tenantId);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, 1)?.[0] ?? null;
    return toPage(await this.keys.listActive(tenantId, limit + 1, after), limit, present, (k) => [k.id]);
  }

  async regenerate(principal: Principal, id: string): Promise<{ id: string; key: string; prefix: string }> {
    const row = await this.requireKey(principal, id);
    const { key, prefix, hash } = generateApiKey();
    await this.keys.replaceSecret(row.id, prefix, hash);
    await this.changes.changed('api-key', row.id, row.tenantId);
    return { id: row.id, key, prefix };
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    const row = await this.requireKey(principal, id);
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
    if (!row || (principal.kind === 'tenant' && principal.tenantId !== row.tenantId))
      throw ApiError.notFound('API key');
    return row;
  }
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
