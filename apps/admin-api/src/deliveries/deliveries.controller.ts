import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { DeliveriesQuery } from './deliveries.dto';
import { DeliveriesService } from './deliveries.service';

@ApiTags('Deliveries')
@ApiBearerAuth()
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @RequireScope('deliveries:read')
  list(@TenantId() tenantId: string, @Query() query: DeliveriesQuery) {
    return this.deliveries.list(tenantId, query);
  }

  @Get(':id')
  @RequireScope('deliveries:read')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.deliveries.get(tenantId, id);
  }

  @Post(':id/retry')
  @RequireScope('deliveries:write')
  @HttpCode(202)
  retry(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.deliveries.retry(tenantId, id);
  }
}
