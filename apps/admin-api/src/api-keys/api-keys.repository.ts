import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKeyEntity } from '@gateway/persistence';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async insert(key: Omit<ApiKeyEntity, 'createdAt' | 'lastUsedAt' | 'revokedAt'>): Promise<ApiKeyEntity> {
    await this.keys.insert(key);
    return (await this.findActive(key.id))!;
  }

  findActive(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id, revokedAt: IsNull() });
  }

  listActive(tenantId: string, limit: number, afterId: string | null): Promise<ApiKeyEntity[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .where('k.tenant_id = :tenantId AND k.revoked_at IS NULL', { tenantId })
      .orderBy('k.id', 'DESC')
      .limit(limit);
    if (afterId) query.andWhere('k.id < :afterId', { afterId });
    return query.getMany();
  }

  /** Replaces the hash: the old key stops working with this statement. */
  async replaceSecret(id: string, prefix: string, keyHash: string): Promise<void> {
    await this.keys.update({ id, revokedAt: IsNull() }, { prefix, keyHash });
  }

  async revoke(id: string): Promise<void> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
