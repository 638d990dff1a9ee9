import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CanonicalEventV1Message, Topics } from '@gateway/contracts';
import { BatchPattern, BatchResult, KafkaBatchContext } from '@gateway/messaging';
import { FANOUT_GROUP_ID } from './consumer-group';
import { EventIntake } from './event-intake';

/**
 * The events ingest accepted, one batch of one partition at a time. A record that is not a canonical-event.v1 is
 * dead-lettered with the reason by the transport before this runs; the offset of the batch moves once the answer's
 * `durable` settles (every delivery it made has a row).
 */
@Controller()
export class EventsController {
  constructor(private readonly intake: EventIntake) {}

  @BatchPattern(Topics.events, { contract: CanonicalEventV1Message, group: FANOUT_GROUP_ID })
  fromIngest(@Payload() events: CanonicalEventV1Message[], @Ctx() context: KafkaBatchContext): Promise<BatchResult> {
    return this.intake.take(events, context.getRecords(), () => context.heartbeat());
  }
}
