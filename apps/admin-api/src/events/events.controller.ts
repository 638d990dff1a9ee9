import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { streamResponse } from '../common/stream-response';
import { EventsFilter, EventsQuery } from './events.dto';
import { EventsService } from './events.service';

@ApiTags('Events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @RequireScope('events:read')
  list(@TenantId() tenantId: string, @Query() query: EventsQuery) {
    return this.events.list(tenantId, query);
  }

  /** Every matching event as CSV (streamed), for spreadsheets — the seed's "Excel / CSV export". */
  @Get('export.csv')
  @RequireScope('events:read')
  @ApiProduces('text/csv')
  async exportCsv(@TenantId() tenantId: string, @Query() filter: EventsFilter, @Res() res: Response): Promise<void> {
    const headers = {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="events.csv"',
    };
    await streamResponse(res, headers, this.events.exportCsv(tenantId, filter));
  }

  @Get(':id')
  @RequireScope('events:read')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.events.get(tenantId, id);
  }
}
