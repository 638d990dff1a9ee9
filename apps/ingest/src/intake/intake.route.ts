import { Injectable } from '@nestjs/common';
import { DirectAnswer, DirectRequest, DirectRoute, readRawBody } from '@gateway/http';
import { IngestConfig } from '../ingest.config';
import { IntakeService } from './intake.service';

/**
 * Providers' callbacks, `POST /v1/ingest/:provider/:sourceId`, answered by Node's HTTP server ahead of Fastify and
 * Nest (a DirectRoute, see main.ts): the one route whose cost per request sets ingest's capacity. Authentication is
 * per source (signature or URL token), inside the service; an unknown provider or source is a 404 there.
 */
@Injectable()
export class IntakeRoute implements DirectRoute {
  readonly method = 'POST';
  readonly path = '/v1/ingest/:provider/:sourceId';

  constructor(
    private readonly intake: IntakeService,
    private readonly config: IngestConfig,
  ) {}

  async handle({ params, query, headers, raw }: DirectRequest): Promise<DirectAnswer> {
    // The exact bytes received: signatures are computed over them.
    const body = await readRawBody(raw, this.config.INGEST_MAX_BODY_BYTES);
    return {
      status: 202,
      body: await this.intake.accept(params['provider']!, params['sourceId']!, { headers, query, body }),
    };
  }
}
