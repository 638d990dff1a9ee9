import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PortalAccess, RequireScope, TenantId, Visible, type VisibleEndpoints } from '../auth/auth.decorators';
import { streamResponse } from '../common/stream-response';
import { EventDetailResponse, EventResponse, EventsExportQuery, EventsQuery } from './events.dto';
import { EventsService } from './events.service';
import { Doc, PageOf } from '../common/api-doc';

@ApiTags('Events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Doc({ summary: 'List events, newest first', type: PageOf(EventResponse), errors: [400] })
  @Get()
  @RequireScope('events:read')
  @PortalAccess()
  list(@TenantId() tenantId: string, @Query() query: EventsQuery, @Visible() visible: VisibleEndpoints) {
    return this.events.list(tenantId, query, visible);
  }

  /** The seed's "Excel / CSV export". */
  @Doc({
    summary: 'Export the matching events as CSV (streamed)',
    description:
      'Every event matching the filters, for spreadsheets; not paged. Without `type`: one row per event, its data as JSON. ' +
      "With `type`: one column per field of that type (`GET /v1/event-types`; an object's fields as `object.field`, a " +
      'list as its count), or with `rows=<list>` one row per element of that list. Cells a spreadsheet would run as a ' +
      'formula are prefixed with an apostrophe.',
    errors: [400],
    produces: 'text/csv',
  })
  @Get('export.csv')
  @RequireScope('events:read')
  @PortalAccess()
  async exportCsv(
    @TenantId() tenantId: string,
    @Query() filter: EventsExportQuery,
    @Visible() visible: VisibleEndpoints,
    @Res() res: Response,
  ): Promise<void> {
    const headers = {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="events.csv"',
    };
    await streamResponse(res, headers, this.events.exportCsv(tenantId, filter, visible));
  }

  @Doc({
    summary: 'Get an event with its deliveries',
    description:
      '404 with `code: "expired"` when the event was removed by retention (the tenant\'s `retentionDays`) in the last ' +
      '90 days; `not_found` otherwise.',
    type: EventDetailResponse,
    errors: [404],
    links: { id: EventResponse },
  })
  @Get(':id')
  @RequireScope('events:read')
  @PortalAccess()
  get(@TenantId() tenantId: string, @Param('id') id: string, @Visible() visible: VisibleEndpoints) {
    return this.events.get(tenantId, id, visible);
  }
}
