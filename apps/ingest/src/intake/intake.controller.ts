import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { PublicRoute } from '@gateway/http';
import { IntakeService } from './intake.service';

/** Providers' callbacks. Authentication is per source (signature or URL token), inside the service. */
@PublicRoute()
@Controller('v1/ingest')
export class IntakeController {
  constructor(private readonly intake: IntakeService) {}

  @Post(':provider/:sourceId')
  @HttpCode(202)
  accept(@Param('provider') provider: string, @Param('sourceId') sourceId: string, @Req() req: Request) {
    return this.intake.accept(provider, sourceId, {
      headers: req.headers,
      query: req.query,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
  }
}
