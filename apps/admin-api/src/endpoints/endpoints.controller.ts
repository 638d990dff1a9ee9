import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { CreateEndpointDto, RotateSecretDto, StatsQuery, UpdateEndpointDto } from './endpoints.dto';
import { EndpointsService } from './endpoints.service';

@ApiTags('Endpoints')
@ApiBearerAuth()
@Controller('v1/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Post()
  @RequireScope('endpoints:write')
  @ApiBody({
    type: CreateEndpointDto,
    examples: {
      standard: {
        summary: 'Standard Webhooks receiver for completed and voided sales',
        value: {
          url: 'https://erp.example.com/webhooks/pos',
          name: 'ERP',
          eventTypes: ['kaynko.sale.completed', 'kaynko.sale.voided'],
        },
      },
      kaynko: {
        summary: 'A receiver written for Kaynko, unchanged (Kaynko format, its own secret)',
        value: {
          url: 'https://shop.example.com/webhook',
          eventTypes: ['kaynko.*'],
          format: 'kaynko',
          secret: 'my-kaynko-secret',
        },
      },
      etims: {
        summary: 'Every eTIMS sync',
        value: { url: 'https://accounts.example.com/etims', eventTypes: ['digitax.*'], timeoutMs: 10000 },
      },
    },
  })
  create(@TenantId() tenantId: string, @Body() dto: CreateEndpointDto) {
    return this.endpoints.create(tenantId, dto);
  }

  @Get()
  @RequireScope('endpoints:read')
  list(@TenantId() tenantId: string, @Query() query: PageQuery) {
    return this.endpoints.list(tenantId, query);
  }

  @Get(':id')
  @RequireScope('endpoints:read')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.get(tenantId, id);
  }

  /** Sends a test message now; answers with the attempt's outcome (status code, duration, error). */
  @Post(':id/test')
  @RequireScope('endpoints:write')
  @HttpCode(200)
  test(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.test(tenantId, id);
  }

  /** Success rate, latency percentiles and failures by reason over a window (default 24 h). */
  @Get(':id/stats')
  @RequireScope('endpoints:read')
  stats(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: StatsQuery) {
    return this.endpoints.stats(tenantId, id, query.window);
  }

  @Get(':id/secret')
  @RequireScope('endpoints:write')
  secret(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.secret(tenantId, id);
  }

  @Patch(':id')
  @RequireScope('endpoints:write')
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: UpdateEndpointDto) {
    return this.endpoints.update(tenantId, id, dto);
  }

  @Post(':id/rotate-secret')
  @RequireScope('endpoints:write')
  @HttpCode(200)
  rotateSecret(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.endpoints.rotateSecret(tenantId, id, dto.secret);
  }

  @Delete(':id')
  @RequireScope('endpoints:write')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.delete(tenantId, id);
  }
}
