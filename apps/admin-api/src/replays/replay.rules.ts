import { Injectable } from '@nestjs/common';
import { FieldError } from '@gateway/contracts';
import { BodyRules } from '@gateway/http';
import { eventTypeProblems } from '../common/event-type.rules';
import type { CreateReplayDto } from './replays.dto';

export const MAX_REPLAY_WINDOW_DAYS = 31;

/** A replay's window is in order and at most 31 days; its event types are in the catalog. */
@Injectable()
export class ReplayRules implements BodyRules<CreateReplayDto> {
  check(dto: CreateReplayDto, valid: (field: string) => boolean): FieldError[] {
    const problems: FieldError[] = [];
    if (valid('since') && valid('until') && dto.since !== undefined) {
      const since = new Date(dto.since);
      const until = dto.until ? new Date(dto.until) : new Date();
      if (until <= since) problems.push({ field: 'until', reason: 'must be after since' });
      if (until.getTime() - since.getTime() > MAX_REPLAY_WINDOW_DAYS * 86_400_000) {
        problems.push({ field: 'since', reason: `the window may span at most ${MAX_REPLAY_WINDOW_DAYS} days` });
      }
    }
    if (valid('eventTypes')) problems.push(...eventTypeProblems(dto.eventTypes));
    return problems;
  }
}
