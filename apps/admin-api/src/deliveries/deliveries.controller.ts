import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PortalAccess, RequireScope, TenantId, Visible, type VisibleEndpoints } from '../auth/auth.decorators';
import { DeliveriesQuery, DeliveryDetailResponse, DeliveryResponse } from './deliveries.dto';
import { DeliveriesService } from './deliveries.service';
import { Doc, PageOf } from '../common/api-doc';

@ApiTags('Deliveries')
@ApiBearerAuth()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Doc({ summary: 'List deliveries, newest first', type: PageOf(DeliveryResponse), errors: [400] })
  @Get()
  @RequireScope('deliveries:read')
  @PortalAccess()
  list(@TenantId() tenantId: string, @Query() query: DeliveriesQuery, @Visible() visible: VisibleEndpoints) {
    return this.deliveries.list(tenantId, query, visible);
  }

  @Doc({
    summary: 'Get a delivery with its attempts',
    type: DeliveryDetailResponse,
    errors: [404],
    links: { id: DeliveryResponse },
  })
  @Get(':id')
  @RequireScope('deliveries:read')
  @PortalAccess()
  get(@TenantId() tenantId: string, @Param('id') id: string, @Visible() visible: VisibleEndpoints) {
    return this.deliveries.get(tenantId, id, visible);
  }

  @Doc({
    summary: 'Retry a delivery now',
    status: 202,
    type: DeliveryResponse,
    errors: [404],
    links: { id: DeliveryResponse },
  })
  @Post(':id/retry')
  @RequireScope('deliveries:write')
  @PortalAccess()
  @HttpCode(202)
  retry(@TenantId() tenantId: string, @Param('id') id: string, @Visible() visible: VisibleEndpoints) {
    return this.deliveries.retry(tenantId, id, visible);
  }
}
