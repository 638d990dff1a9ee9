import { Module } from '@nestjs/common';
import { EventTypesController } from '../event-types/event-types.controller';
import { EventsController } from './events.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

@Module({
  controllers: [EventsController, EventTypesController],
  providers: [EventsService, EventsRepository],
})
export class EventsModule {}
