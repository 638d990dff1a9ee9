import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { Request } from 'express';
import { QerkoReplyV1Message, Topics } from '@gateway/contracts';
import { PublicRoute } from '@gateway/http';
import { BatchPattern } from '@gateway/messaging';
import { QerkoReplyGuard } from './api-key.guard';
import { QerkoReplyDto } from './reply.dto';
import { RepliesService } from './replies.service';

/**
 * The POS's answers: asynchronous ones on `POST /v1/qerko/replies` (after it answered a delivery with 202), and the
 * synchronous ones fan-out hands over on `gateway.qerko-replies.v1`. A record that is not a qerko-reply.v1 is
 * dead-lettered with the reason by the transport, so it never blocks the answers behind it.
 */
@PublicRoute()
@Controller('v1/qerko/replies')
export class RepliesController {
  constructor(private readonly replies: RepliesService) {}

  @Post()
  @HttpCode(202)
  @UseGuards(QerkoReplyGuard)
  reply(@Req() req: Request & { tenantId: string }, @Body() dto: QerkoReplyDto) {
    return this.replies.fromApi(req.tenantId, dto);
  }

  @BatchPattern(Topics.qerkoReplies, { contract: QerkoReplyV1Message, group: 'qerko-bridge', fromBeginning: false })
  async fromDelivery(@Payload() replies: QerkoReplyV1Message[]): Promise<void> {
    for (const reply of replies) await this.replies.fromDelivery(reply.tenantId, reply.uuid, reply.answer);
  }
}
