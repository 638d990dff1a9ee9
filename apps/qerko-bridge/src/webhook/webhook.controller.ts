import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PublicRoute, readRawBody } from '@gateway/http';
import { WebhookService } from './webhook.service';

/** Qerko's webhook: the Qerko source's ingestUrl. Authenticated by signature (or token) inside the service. */
@PublicRoute()
@Controller('v1/qerko')
export class WebhookController {
  constructor(private readonly webhook: WebhookService) {}

  @Post(':sourceId/webhook')
  async receive(@Param('sourceId') sourceId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    // The JSON parser already read application/json bodies and kept their exact bytes; anything else is read here.
    const raw = (req as Request & { rawBody?: Buffer }).rawBody;
    const body = Buffer.isBuffer(raw) ? raw : await readRawBody(req, 256 * 1024);
    const answer = await this.webhook.handle(sourceId, req.headers, req.query, body);
    res.status(answer.status).json(answer.body);
  }
}
