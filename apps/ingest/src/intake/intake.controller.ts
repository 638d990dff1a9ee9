import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IngestConfig } from '../ingest.config';
import { IntakeService } from './intake.service';
import { PublicRoute, readRawBody } from '@gateway/http';

/** Providers' callbacks. Authentication is per source (signature or URL token), inside the service. */
@PublicRoute()
@Controller('v1/ingest')
export class IntakeController {
  constructor(
    private readonly intake: IntakeService,
    private readonly config: IngestConfig,
  ) {}

  @Post(':provider/:sourceId')
  @HttpCode(202)
  async accept(
    @Param('provider') provider: string,
    @Param('sourceId') sourceId: string,
    @Req() req: FastifyRequest<{ Querystring: Record<string, unknown> }>,
  ) {
    const body = await readRawBody(req.raw, this.config.INGEST_MAX_BODY_BYTES);
    return this.intake.accept(provider, sourceId, {
      headers: req.headers,
      query: req.query,
      body,
    });
  }
}
