import { Controller, HttpCode, Post, Req } from '@nestjs/common';
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

  /**
   * The path's parameters are read from the request rather than through `@Param`: a parameter decorator runs the
   * global pipes for each value, which was a twentieth of what an accepted event allocated, for two strings the
   * service checks itself (an unknown provider or source is a 404 there).
   */
  @Post(':provider/:sourceId')
  @HttpCode(202)
  async accept(
    @Req()
    req: FastifyRequest<{ Params: { provider: string; sourceId: string }; Querystring: Record<string, unknown> }>,
  ) {
    const { provider, sourceId } = req.params;
    const body = await readRawBody(req.raw, this.config.INGEST_MAX_BODY_BYTES);
    return this.intake.accept(provider, sourceId, {
      headers: req.headers,
      query: req.query,
      body,
    });
  }
}
