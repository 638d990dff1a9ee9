import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { QerkoRequestEntity } from '@gateway/persistence';
import { iso } from '../common/iso';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { QerkoRequestResponse, QerkoRequestsQuery } from './qerko-requests.dto';

@Injectable()
export class QerkoRequestsService {
  constructor(@InjectRepository(QerkoRequestEntity) private readonly requests: Repository<QerkoRequestEntity>) {}

  /** The bridge's requests, newest first, with their timelines (received, published, answered, replied…). */
  async list(tenantId: string, query: QerkoRequestsQuery): Promise<Page<QerkoRequestResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['id'])?.[0] ?? null;
    const q = this.requests
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId', { tenantId })
      .orderBy('r.id', 'DESC')
      .limit(limit + 1);
    if (query.state) q.andWhere('r.state = :state', { state: query.state });
    if (query.method) q.andWhere('r.method = :method', { method: query.method });
    if (after) q.andWhere('r.id < :after', { after });
    return toPage(await q.getMany(), limit, present, (r) => [r.id]);
  }
}

function present(r: QerkoRequestEntity): QerkoRequestResponse {
  return {
    id: r.id,
    sourceId: r.sourceId,
    uuid: r.uuid,
    method: r.method,
    args: r.args,
    state: r.state,
    receivedAt: iso(r.receivedAt)!,
    deadlineAt: iso(r.deadlineAt)!,
    answeredVia: r.answeredVia,
    replyStatus: r.replyStatus,
    failureReason: r.failureReason,
    timeline: r.timeline,
  };
}
