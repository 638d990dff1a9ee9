import { Injectable } from '@nestjs/common';
import { DIGITAX_EVENTS, DigitaxEnvelope, digitaxSaleTime } from '@gateway/contracts';
import { ApiError, parseJsonObject } from '@gateway/http';
import { constantTimeEqual } from '@gateway/security';
import { DataValidators } from '../intake/data-validators';
import type { CachedSource } from '../sources/source-cache';
import { AdaptedEvent, InboundRequest, Proof, ProviderAdapter } from './provider-adapter';

const SPECS = new Map(DIGITAX_EVENTS.map((spec) => [spec.event, spec]));

/**
 * DigiTax eTIMS callbacks. DigiTax cannot sign, so the source's token travels in the callback URL
 * (`?token=…`, part of the source's ingestUrl) and is compared in constant time.
 */
@Injectable()
export class DigitaxAdapter implements ProviderAdapter {
  readonly provider = 'digitax' as const;

  constructor(private readonly validators: DataValidators = new DataValidators()) {}

  authenticate(source: CachedSource, request: InboundRequest): Proof {
    const token = request.query['token'];
    if (!source.token || typeof token !== 'string' || !constantTimeEqual(token, source.token)) {
      throw new ApiError(401, 'invalid_token', 'Missing or invalid token.');
    }
    return 'token';
  }

  adapt(request: InboundRequest): AdaptedEvent {
    const body = parseJsonObject(request.body);
    const envelopeErrors = this.validators.envelope(DigitaxEnvelope, body);
    if (envelopeErrors.length) throw ApiError.validation(envelopeErrors);
    const envelope = body as unknown as DigitaxEnvelope;
    const spec = SPECS.get(envelope.event);
    if (!spec) {
      const name = envelope.event.length > 100 ? `${envelope.event.slice(0, 100)}…` : envelope.event;
      throw ApiError.badRequest('unknown_event_type', `Unknown DigiTax event type "${name}".`);
    }
    const errors = this.validators.validate(spec.dataClass, envelope.data, 'data');
    if (errors.length) throw ApiError.validation(errors);

    const { date, time } = envelope.data as { date?: string; time?: string };
    return {
      type: `digitax.${spec.event}`,
      occurredAt: spec.event === 'sale.sync' && date && time ? digitaxSaleTime(date, time) : null,
      data: envelope.data,
    };
  }
}
