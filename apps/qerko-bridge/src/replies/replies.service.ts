import { Injectable, Logger } from '@nestjs/common';
import { parseQerkoAnswer } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { isDataError } from '@gateway/persistence';
import { QerkoRequestsRepository } from '../requests/qerko-requests.repository';
import { QerkoReplyDto } from './reply.dto';

/** Takes a POS's answer, from either channel; the first one wins, any later one is refused. */
@Injectable()
export class RepliesService {
  private readonly logger = new Logger(RepliesService.name);

  constructor(private readonly requests: QerkoRequestsRepository) {}

  /** POST /v1/qerko/replies: 202 when taken, 409 with the reason when it cannot be. */
  async fromApi(tenantId: string, dto: QerkoReplyDto): Promise<{ uuid: string; status: 'accepted' }> {
    const answer = dto.error ? { error: { code: dto.error.code, message: dto.error.message } } : { result: dto.result };
    if (await this.requests.storeAnswer(tenantId, dto.uuid, answer, 'reply-api'))
      return { uuid: dto.uuid, status: 'accepted' };
    const state = await this.requests.stateOf(tenantId, dto.uuid);
    if (!state) throw ApiError.notFound('Qerko request');
    if (state.answered || (state.state !== 'pending' && state.state !== 'stale')) {
      throw ApiError.conflict(
        'already_answered',
        `Request ${dto.uuid} already has its answer (${state.state}); a request is answered once.`,
      );
    }
    throw ApiError.conflict('stale', `Request ${dto.uuid} is stale: Qerko stops waiting 15 s after sending it.`);
  }

  /** A synchronous answer handed over by fan-out (a late or second one is ignored, with a log line). */
  async fromDelivery(tenantId: string, uuid: string, body: unknown): Promise<void> {
    const answer = parseQerkoAnswer(body);
    if (!answer) return;
    let stored: Awaited<ReturnType<QerkoRequestsRepository['storeAnswer']>>;
    try {
      stored = await this.requests.storeAnswer(tenantId, uuid, answer, 'sync-response');
    } catch (err) {
      // An answer PostgreSQL cannot hold (a NUL character in it): ignored like an unreadable one, so the POS can still
      // answer through /v1/qerko/replies; thrown, it would be consumed again and again and hold back later answers.
      if (!isDataError(err)) throw err;
      this.logger.warn(`ignored a POS answer for ${uuid}: it cannot be stored (${(err as Error).message})`);
      return;
    }
    // Usually the same answer, offered by fan-out and stored as the waiting request closed (AnswerSignals); else a
    // second delivery's, or one after the request went stale (its timeline says which).
    if (!stored) this.logger.debug(`ignored a POS answer for ${uuid}: the request has its answer already or is stale`);
  }
}
