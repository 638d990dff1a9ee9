import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { QerkoRequestResponse, QerkoRequestsQuery } from './qerko-requests.dto';
import { QerkoRequestsService } from './qerko-requests.service';
import { Doc, PageOf } from '../common/api-doc';

@ApiTags('Qerko')
@ApiBearerAuth()
@Controller('v1/qerko/requests')
export class QerkoRequestsController {
  constructor(private readonly requests: QerkoRequestsService) {}

  @Doc({ summary: "List Qerko's requests with their timelines", type: PageOf(QerkoRequestResponse), errors: [400] })
  @Get()
  @RequireScope('events:read')
  list(@TenantId() tenantId: string, @Query() query: QerkoRequestsQuery) {
    return this.requests.list(tenantId, query);
  }
}
