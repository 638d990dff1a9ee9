import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { SourceEntity } from '@gateway/persistence';

@Injectable()
export class IngestSourcesRepository {
  constructor(@InjectRepository(SourceEntity) private readonly sources: Repository<SourceEntity>) {}

  findAll(): Promise<SourceEntity[]> {
    return this.sources.find();
  }

  findById(id: string): Promise<SourceEntity | null> {
    return this.sources.findOneBy({ id });
  }

  /** One statement for many sources: activity is recorded in batches, never per request. */
  async recordActivity(seen: Map<string, Date>, verified: Map<string, Date>): Promise<void> {
    if (seen.size) {
      await this.sources.query(
        `UPDATE sources s SET last_seen_at = GREATEST(s.last_seen_at, v.at)
           FROM unnest($1::varchar[], $2::timestamptz[]) AS v(id, at) WHERE s.id = v.id`,
        [[...seen.keys()], [...seen.values()].map((d) => d.toISOString())],
      );
    }
    if (verified.size) {
      await this.sources.update({ id: In([...verified.keys()]) }, { verifiedAt: () => 'now()' });
    }
  }
}
