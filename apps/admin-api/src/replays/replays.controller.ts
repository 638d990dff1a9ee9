import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PortalAccess, RequireScope, TenantId, Visible, type VisibleEndpoints } from '../auth/auth.decorators';
import { CreateReplayDto, ReplayResponse } from './replays.dto';
import { EndpointResponse } from '../endpoints/endpoints.dto';
import { ReplaysService } from './replays.service';
import { RecoverDto, RecoveryResponse } from './recoveries.dto';
import { RecoveriesService } from './recoveries.service';
import { Doc } from '../common/api-doc';

@ApiTags('Replays')
@ApiBearerAuth()
@Controller('v1')
export class ReplaysController {
  constructor(
    private readonly replays: ReplaysService,
    private readonly recoveries: RecoveriesService,
  ) {}

  @Doc({
    summary: 'Replay a window of events to an endpoint',
    description:
      'Sends every matching event of the window to this endpoint again, throttled; answers with the job, to follow with `GET /v1/replays/{id}`.',
    status: 202,
    type: ReplayResponse,
    errors: [400, 404],
    links: { id: EndpointResponse },
  })
  @Post('endpoints/:id/replay')
  @RequireScope('deliveries:write')
  @PortalAccess({ endpoint: 'id' })
  @HttpCode(202)
  create(@TenantId() tenantId: string, @Param('id') endpointId: string, @Body() dto: CreateReplayDto) {
    return this.replays.create(tenantId, endpointId, dto);
  }

  @Doc({ summary: 'Get the progress of a replay', type: ReplayResponse, errors: [404], links: { id: ReplayResponse } })
  @Get('replays/:id')
  @RequireScope('deliveries:read')
  @PortalAccess()
  get(@TenantId() tenantId: string, @Param('id') id: string, @Visible() visible: VisibleEndpoints) {
    return this.replays.get(tenantId, id, visible);
  }

  @Doc({
    summary: "Recover after an outage: attempt again the endpoint's deliveries that finally failed since an instant",
    description:
      'The same deliveries (not new ones, as a replay makes), each attempted now and then on its retry schedule; ' +
      'answers with the job, to follow with `GET /v1/recoveries/{id}`.',
    status: 202,
    type: RecoveryResponse,
    errors: [400, 404],
    links: { id: EndpointResponse },
  })
  @Post('endpoints/:id/recover')
  @RequireScope('deliveries:write')
  @PortalAccess({ endpoint: 'id' })
  @HttpCode(202)
  recover(@TenantId() tenantId: string, @Param('id') endpointId: string, @Body() dto: RecoverDto) {
    return this.recoveries.recover(tenantId, endpointId, dto);
  }

  @Doc({
    summary: 'Get the progress of a recovery',
    type: RecoveryResponse,
    errors: [404],
    links: { id: RecoveryResponse },
  })
  @Get('recoveries/:id')
  @RequireScope('deliveries:read')
  @PortalAccess()
  getRecovery(@TenantId() tenantId: string, @Param('id') id: string, @Visible() visible: VisibleEndpoints) {
    return this.recoveries.get(tenantId, id, visible);
  }
}
