import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SourceEntity } from '@gateway/persistence';

@Injectable()
export class SourcesRepository {
  constructor(@InjectRepository(SourceEntity) private readonly sources: Repository<SourceEntity>) {}

  async insert(
    source: Omit<SourceEntity, 'createdAt' | 'updatedAt' | 'verifiedAt' | 'lastSeenAt'>,
  ): Promise<SourceEntity> {
    await this.sources.insert(source);
    return (await this.sources.findOneBy({ id: source.id }))!;
  }

  findForTenant(tenantId: string, id: string): Promise<SourceEntity | null> {
    return this.sources.findOneBy({ id, tenantId });
  }

  list(tenantId: string, limit: number, afterId: string | null): Promise<SourceEntity[]> {
    const query = this.sources
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId', { tenantId })
      .orderBy('s.id', 'DESC')
      .limit(limit);
    if (afterId) query.andWhere('s.id < :afterId', { afterId });
    return query.getMany();
  }

  async update(id: string, patch: Partial<SourceEntity>): Promise<SourceEntity> {
    await this.sources.update({ id }, patch);
    return (await this.sources.findOneBy({ id }))!;
  }

  async delete(id: string): Promise<void> {
    await this.sources.delete({ id });
  }
}
