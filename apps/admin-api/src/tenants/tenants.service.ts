import { Injectable } from '@nestjs/common';
import { IdPrefix } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { TenantEntity } from '@gateway/persistence';
import { newId } from '@gateway/security';
import { AdminApiConfig } from '../admin-api.config';
import { ConfigChangePublisher } from '../common/config-change.publisher';
import { iso } from '../common/iso';
import { Page, PageQuery, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { CreateTenantDto, TenantResponse, UpdateTenantDto } from './tenants.dto';
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly changes: ConfigChangePublisher,
    private readonly config: AdminApiConfig,
  ) {}

  async create(dto: CreateTenantDto): Promise<TenantResponse> {
    const tenant = await this.tenants.insert({
      id: newId(IdPrefix.tenant),
      name: dto.name,
      retentionDays: dto.retentionDays ?? null,
    });
    return this.present(tenant);
  }

  async list(query: PageQuery): Promise<Page<TenantResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    return toPage(
      await this.tenants.list(limit + 1, after),
      limit,
      (t) => this.present(t),
      (t) => [t.id],
    );
  }

  async get(id: string): Promise<TenantResponse> {
    return this.present(await this.require(id));
  }

  async update(id: string, dto: UpdateTenantDto): Promise<TenantResponse> {
    await this.require(id);
    return this.present((await this.tenants.update(id, { name: dto.name, retentionDays: dto.retentionDays }))!);
  }

  /** Deletes the tenant with its keys, sources and endpoints; ingest and fan-out drop them at once. */
  async delete(id: string): Promise<void> {
    if (!(await this.tenants.delete(id))) throw ApiError.notFound('Tenant');
    await this.changes.changed('tenant', id, id, 'deleted');
  }

  private async require(id: string): Promise<TenantEntity> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw ApiError.notFound('Tenant');
    return tenant;
  }

  private present(t: TenantEntity): TenantResponse {
    return {
      id: t.id,
      name: t.name,
      retentionDays: t.retentionDays ?? this.config.GATEWAY_RETENTION_DAYS,
      retentionIsDefault: t.retentionDays === null,
      createdAt: iso(t.createdAt)!,
      updatedAt: iso(t.updatedAt)!,
    };
  }
}
