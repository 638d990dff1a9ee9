import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { PublicRoute } from '@gateway/http';
import { QerkoReplyGuard } from './api-key.guard';
import { QerkoReplyDto } from './reply.dto';
import { RepliesService } from './replies.service';

/** The POS's asynchronous answers (after it answered a delivery with 202). */
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
}
