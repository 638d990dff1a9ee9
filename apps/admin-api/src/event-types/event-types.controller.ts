import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { EventTypeDescription, describeEventTypes } from '@gateway/contracts';
import { Authenticated, PortalAccess } from '../auth/auth.decorators';
import { Doc } from '../common/api-doc';

export class EventTypeResponse {
  @ApiProperty({ example: 'kaynko.sale.completed' }) type: string;
  @ApiProperty({ enum: ['kaynko', 'digitax', 'qerko', 'gateway'] }) provider: string;
  @ApiProperty({ example: 'A sale was completed at the till.' }) description: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "JSON Schema of the event's `data`." })
  schema: Record<string, unknown>;
}

export class EventTypeCatalogResponse {
  @ApiProperty({ type: [EventTypeResponse] }) data: EventTypeResponse[];
}

@ApiTags('Event types')
@ApiBearerAuth()
@Controller('v1/event-types')
export class EventTypesController {
  private readonly catalog: EventTypeDescription[] = describeEventTypes();

  /** Generated from the contract classes. */
  @Get()
  @Authenticated()
  @PortalAccess()
  @Doc({
    summary: 'The event-type catalog, each type with the JSON Schema of its data',
    description: 'Every event type with its description and the JSON Schema of its `data`, the same for every tenant.',
    type: EventTypeCatalogResponse,
    anyKey: true,
  })
  list() {
    return { data: this.catalog };
  }
}
