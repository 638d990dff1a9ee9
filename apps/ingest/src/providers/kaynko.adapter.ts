import { Injectable } from '@nestjs/common';
import { KAYNKO_EVENTS, KaynkoEnvelope } from '@gateway/contracts';
import { ApiError, parseJsonObject } from '@gateway/http';
import { constantTimeEqual } from '@gateway/security';
import { verifyKaynkoSignature } from '@gateway/webhooks';
import { DataValidators } from '../intake/data-validators';
import type { CachedSource } from '../sources/source-cache';
import { AdaptedEvent, InboundRequest, Proof, ProviderAdapter, header } from './provider-adapter';

const SPECS = new Map(KAYNKO_EVENTS.map((spec) => [spec.event, spec]));

/**
 * Kaynko POS webhooks: `{event, data, timestamp}`. Kaynko's secret is optional: with one, every request must carry
 * its X-Kaynko-Signature; without, the source's ingestUrl carries a token (`?token=…`, compared in constant time), so
 * knowing the source's id is not enough. A source created before tokens has neither, and is open until it is given
 * one (`POST /v1/sources/{id}/rotate-token`) or a secret.
 */
@Injectable()
export class KaynkoAdapter implements ProviderAdapter {
  readonly provider = 'kaynko' as const;

  constructor(private readonly validators: DataValidators = new DataValidators()) {}

  authenticate(source: CachedSource, request: InboundRequest): Proof {
    if (source.secret) {
      if (!verifyKaynkoSignature(source.secret, request.body, header(request, 'x-kaynko-signature')))
        throw new ApiError(401, 'invalid_signature', 'Missing or invalid X-Kaynko-Signature.');
      return 'signature';
    }
    const token = request.query['token'];
    if (source.token && (typeof token !== 'string' || !constantTimeEqual(token, source.token))) {
      throw new ApiError(
        401,
        'invalid_token',
        'Missing or invalid token: this source has no secret, so its ingestUrl carries a token.',
      );
    }
    return source.token ? 'token' : 'none';
  }

  adapt(request: InboundRequest): AdaptedEvent {
    const body = parseJsonObject(request.body);
    const envelopeErrors = this.validators.envelope(KaynkoEnvelope, body);
    if (envelopeErrors.length) throw ApiError.validation(envelopeErrors);
    const envelope = body as unknown as KaynkoEnvelope;

    const headerEvent = header(request, 'x-kaynko-event');
    if (headerEvent === undefined) {
      throw ApiError.validation([{ field: 'X-Kaynko-Event', reason: 'header is required' }]);
    }
    if (headerEvent !== envelope.event) {
      throw ApiError.badRequest(
        'event_mismatch',
        `X-Kaynko-Event "${truncate(headerEvent)}" does not match the body's event "${truncate(envelope.event)}".`,
      );
    }
    const spec = SPECS.get(envelope.event);
    if (!spec) {
      throw ApiError.badRequest('unknown_event_type', `Unknown Kaynko event type "${truncate(envelope.event)}".`);
    }
    const errors = this.validators.validate(spec.dataClass, envelope.data, 'data');
    if (spec.timestampRequired && envelope.timestamp === undefined) {
      errors.unshift({ field: 'timestamp', reason: `is required for ${spec.event}` });
    }
    if (errors.length) throw ApiError.validation(errors);

    return {
      type: `kaynko.${spec.event}`,
      occurredAt: envelope.timestamp ?? null,
      data: envelope.data,
      verifiesSource: spec.event === 'ping',
    };
  }
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
