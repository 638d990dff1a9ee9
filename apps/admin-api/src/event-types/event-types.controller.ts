import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EventTypeDescription, describeEventTypes } from '@gateway/contracts';
import { Authenticated } from '../auth/auth.decorators';

@ApiTags('Event types')
@ApiBearerAuth()
@Controller('v1/event-types')
export class EventTypesController {
  private readonly catalog: EventTypeDescription[] = describeEventTypes();

  /** Every event type with its description and the JSON Schema of its `data`, generated from the contract classes. */
  @Get()
  @Authenticated()
  @ApiOkResponse({ description: 'The catalog: `{ data: [{ type, provider, description, schema }] }`' })
  list() {
    return { data: this.catalog };
  }
}
