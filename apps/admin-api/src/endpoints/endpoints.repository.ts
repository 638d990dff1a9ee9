import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EndpointEntity } from '@gateway/persistence';

@Injectable()
export class EndpointsRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  async insert(endpoint: Omit<EndpointEntity, 'createdAt' | 'updatedAt'>): Promise<EndpointEntity> {
    await this.endpoints.insert(endpoint);
    return (await this.endpoints.findOneBy({ id: endpoint.id }))!;
  }

  findForTenant(tenantId: string, id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOneBy({ id, tenantId });
  }

  list(tenantId: string, limit: number, afterId: string | null): Promise<EndpointEntity[]> {
    const query = this.endpoints
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (afterId) query.andWhere('e.id < :afterId', { afterId });
    return query.getMany();
  }

  async update(id: string, patch: Partial<EndpointEntity>): Promise<EndpointEntity> {
    await this.endpoints.update({ id }, patch);
    return (await this.endpoints.findOneBy({ id }))!;
  }

  async delete(id: string): Promise<void> {
    await this.endpoints.delete({ id });
  }
}
