import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
    if (!seen.size) return;
    const ids = [...seen.keys()];
    await this.sources.query(
      `UPDATE sources s
          SET last_seen_at = GREATEST(s.last_seen_at, v.seen),
              verified_at = GREATEST(s.verified_at, v.verified)
         FROM unnest($1::varchar[], $2::timestamptz[], $3::timestamptz[]) AS v(id, seen, verified)
        WHERE s.id = v.id`,
      [ids, ids.map((id) => seen.get(id)!.toISOString()), ids.map((id) => verified.get(id)?.toISOString() ?? null)],
    );
  }
}
