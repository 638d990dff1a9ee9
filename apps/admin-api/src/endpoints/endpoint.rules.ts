import { Injectable } from '@nestjs/common';
import { FieldError, endpointFilterProblems, eventTypeDefinition, retryScheduleProblems } from '@gateway/contracts';
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
    return problems;
  }
}

/** A test's sample type is one of the catalog (no wildcard: the sample is one event). */
@Injectable()
export class TestEndpointRules implements BodyRules<TestEndpointDto> {
  check(dto: TestEndpointDto, valid: (field: string) => boolean): FieldError[] {
    if (dto.type === undefined || !valid('type') || eventTypeDefinition(dto.type)) return [];
    return [{ field: 'type', reason: `unknown event type "${dto.type}"; see GET /v1/event-types` }];
  }
}
