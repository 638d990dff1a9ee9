import { Injectable } from '@nestjs/common';
import {
  EndpointOrdering,
  FieldError,
  endpointFilterProblems,
  eventTypeDefinition,
  orderingKeyProblem,
  retryScheduleProblems,
} from '@gateway/contracts';
import { customHeaderProblems } from '@gateway/delivery';
import { BodyRules } from '@gateway/http';
import { UrlGuard } from '@gateway/security';
import { eventTypeProblems } from '../common/event-type.rules';
import type { CreateEndpointDto, TestEndpointDto } from './endpoints.dto';

/**
 * An endpoint's body beyond its decorators (create and update): the URL passes the SSRF guard, every event type is
 * in the catalog, custom headers are allowed, the filter is one fan-out can evaluate, the retry schedule's steps are
 * durations within bounds. Run by the validation pipe with the decorators: one answer.
 */
@Injectable()
export class EndpointRules implements BodyRules<Partial<CreateEndpointDto>> {
  constructor(private readonly urlGuard: UrlGuard) {}

  async check(dto: Partial<CreateEndpointDto>, valid: (field: string) => boolean): Promise<FieldError[]> {
    const problems: FieldError[] = [];
    if (dto.url !== undefined && valid('url')) {
      const check = await this.urlGuard.check(dto.url);
      if (!check.ok) problems.push({ field: 'url', reason: check.reason });
    }
    if (valid('eventTypes')) problems.push(...eventTypeProblems(dto.eventTypes));
    if (dto.headers && valid('headers')) problems.push(...customHeaderProblems(dto.headers));
    if (dto.filter && valid('filter')) problems.push(...endpointFilterProblems(dto.filter));
    if (dto.retrySchedule && valid('retrySchedule')) problems.push(...retryScheduleProblems(dto.retrySchedule));
    if (typeof dto.orderingKey === 'string' && valid('orderingKey')) {
      const problem = orderingKeyProblem(dto.orderingKey);
      if (problem) problems.push({ field: 'orderingKey', reason: problem });
    }
    return problems;
  }
}

/**
 * An endpoint's ordering as it will be (`ordering` and `orderingKey` of the body over those it has; a change of
 * `ordering` away from `key` drops the key), or the problem: `key` needs an orderingKey, the others refuse one.
 */
export function orderingAfter(
  body: { ordering?: EndpointOrdering; orderingKey?: string | null },
  current: { ordering: EndpointOrdering; orderingKey: string | null } = { ordering: 'none', orderingKey: null },
): { ordering: EndpointOrdering; orderingKey: string | null } | FieldError {
  const ordering = body.ordering ?? current.ordering;
  const orderingKey =
    body.orderingKey !== undefined
      ? body.orderingKey
      : body.ordering && ordering !== 'key'
        ? null
        : current.orderingKey;
  if (ordering === 'key' && !orderingKey) {
    return { field: 'orderingKey', reason: 'is required with ordering "key": a JSON Pointer such as "/data/saleId"' };
  }
  if (ordering !== 'key' && orderingKey) {
    return { field: 'orderingKey', reason: `is only for ordering "key" (this endpoint's ordering is "${ordering}")` };
  }
  return { ordering, orderingKey: orderingKey ?? null };
}

/** A test's sample type is one of the catalog (no wildcard: the sample is one event). */
@Injectable()
export class TestEndpointRules implements BodyRules<TestEndpointDto> {
  check(dto: TestEndpointDto, valid: (field: string) => boolean): FieldError[] {
    if (dto.type === undefined || !valid('type') || eventTypeDefinition(dto.type)) return [];
    return [{ field: 'type', reason: `unknown event type "${dto.type}"; see GET /v1/event-types` }];
  }
}
