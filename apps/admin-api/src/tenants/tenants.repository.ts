import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TenantEntity } from '@gateway/persistence';

@Injectable()
export class TenantsRepository {
  constructor(@InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>) {}

  insert(tenant: Pick<TenantEntity, 'id' | 'name' | 'retentionDays'>): Promise<TenantEntity> {
    return this.tenants.save(this.tenants.create(tenant));
  }

  findById(id: string): Promise<TenantEntity | null> {
    return this.tenants.findOneBy({ id });
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  list(limit: number, afterId: string | null): Promise<TenantEntity[]> {
    const query = this.tenants.createQueryBuilder('t').orderBy('t.id', 'DESC').limit(limit);
    if (afterId) query.where('t.id < :afterId', { afterId });
    return query.getMany();
  }

  /** Sets the fields given (undefined leaves one as it is; a null retention goes back to the default). */
  async update(id: string, changes: { name?: string; retentionDays?: number | null }): Promise<TenantEntity | null> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length) await this.tenants.update({ id }, set);
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.tenants.delete({ id })).affected ?? 0) > 0;
  }
}
