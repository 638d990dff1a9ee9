import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PublicRoute, readRawBody } from '@gateway/http';
import { WebhookService } from './webhook.service';

/** The webhook's path (any case, a trailing slash): its body is read by the route, not by the JSON parser. */
export const WEBHOOK_PATH = /^\/v1\/qerko\/[^/]+\/webhook\/?$/i;

/** Qerko's webhook: the Qerko source's ingestUrl. Authenticated by signature (or token) inside the service. */
@PublicRoute()
@Controller('v1/qerko')
export class WebhookController {
  constructor(private readonly webhook: WebhookService) {}

  @Post(':sourceId/webhook')
  async receive(@Param('sourceId') sourceId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    // Its exact bytes, read once the source is known (an unknown source is 404 before any byte of the body).
    const answer = await this.webhook.handle(sourceId, req.headers, req.query, () => readRawBody(req, 256 * 1024));
    res.status(answer.status).json(answer.body);
  }
}
