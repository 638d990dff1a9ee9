import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { PortalAccess, RequireScope, TenantId, Visible, type VisibleEndpoints } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { EndpointsService } from './endpoints.service';
import { Doc, PageOf } from '../common/api-doc';
import {
  CreateEndpointDto,
  EndpointResponse,
  EndpointStatsResponse,
  EndpointTestResponse,
  EndpointWithSecretResponse,
  RotateSecretDto,
  TestEndpointDto,
  SecretResponse,
  StatsQuery,
  UpdateEndpointDto,
} from './endpoints.dto';

@ApiTags('Endpoints')
@ApiBearerAuth()
@Controller('v1/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Doc({
    summary: 'Create an endpoint (its signing secret is in the answer)',
    status: 201,
    type: EndpointWithSecretResponse,
    errors: [400, 503],
  })
  @Post()
  @RequireScope('endpoints:write')
  @PortalAccess({ allEndpoints: true })
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

  @Doc({ summary: 'List endpoints', type: PageOf(EndpointResponse), errors: [400] })
  @Get()
  @RequireScope('endpoints:read')
  @PortalAccess()
  list(@TenantId() tenantId: string, @Query() query: PageQuery, @Visible() visible: VisibleEndpoints) {
    return this.endpoints.list(tenantId, query, visible);
  }

  @Doc({ summary: 'Get an endpoint', type: EndpointResponse, errors: [404], links: { id: EndpointResponse } })
  @Get(':id')
  @RequireScope('endpoints:read')
  @PortalAccess({ endpoint: 'id' })
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.get(tenantId, id);
  }

  @Doc({
    summary: 'Send a signed test message now, and get the outcome',
    description:
      "Sends a sample event (by default `gateway.ping`, or `kaynko.ping` to a Kaynko-format endpoint; or the `type` and `data` given), signed as deliveries are (with both secrets during a rotation's overlap), and answers with the attempt's outcome: status code, duration, error. A sample of a `type` the endpoint does not subscribe to, or one its filter does not match, is not sent: the answer says `filteredOut`. Nothing is stored.",
    type: EndpointTestResponse,
    errors: [400, 404],
    links: { id: EndpointResponse },
  })
  @Post(':id/test')
  @ApiBody({ type: TestEndpointDto, required: false })
  @RequireScope('endpoints:write')
  @PortalAccess({ endpoint: 'id' })
  @HttpCode(200)
  test(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: TestEndpointDto) {
    return this.endpoints.test(tenantId, id, dto);
  }

  @Doc({
    summary: 'Delivery statistics of an endpoint over a window',
    description:
      'Success rate, latency percentiles and failures by reason over the window (default 24 h), and the window in 24 buckets for charts.',
    type: EndpointStatsResponse,
    errors: [400, 404],
    links: { id: EndpointResponse },
  })
  @Get(':id/stats')
  @RequireScope('endpoints:read')
  @PortalAccess({ endpoint: 'id' })
  stats(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: StatsQuery) {
    return this.endpoints.stats(tenantId, id, query.window);
  }

  @Doc({
    summary: "Show an endpoint's signing secret",
    type: SecretResponse,
    errors: [404],
    links: { id: EndpointResponse },
  })
  @Get(':id/secret')
  @RequireScope('endpoints:write')
  @PortalAccess({ endpoint: 'id' })
  secret(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.secret(tenantId, id);
  }

  @Doc({
    summary: 'Update an endpoint',
    type: EndpointResponse,
    errors: [400, 404, 503],
    links: { id: EndpointResponse },
  })
  @Patch(':id')
  @ApiBody({
    type: UpdateEndpointDto,
    required: false,
    description: 'Only the fields to change; an absent body changes nothing.',
  })
  @RequireScope('endpoints:write')
  @PortalAccess({ endpoint: 'id' })
  update(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: UpdateEndpointDto) {
    return this.endpoints.update(tenantId, id, dto);
  }

  @Doc({
    summary: 'Rotate the signing secret (the old one keeps signing during the overlap)',
    type: SecretResponse,
    errors: [400, 404, 503],
    links: { id: EndpointResponse },
  })
  @Post(':id/rotate-secret')
  @ApiBody({ type: RotateSecretDto, required: false })
  @RequireScope('endpoints:write')
  @PortalAccess({ endpoint: 'id' })
  @HttpCode(200)
  rotateSecret(@TenantId() tenantId: string, @Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.endpoints.rotateSecret(tenantId, id, dto.secret);
  }

  @Doc({ summary: 'Delete an endpoint', status: 204, errors: [404, 503], links: { id: EndpointResponse } })
  @Delete(':id')
  @RequireScope('endpoints:write')
  @PortalAccess({ endpoint: 'id' })
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.endpoints.delete(tenantId, id);
  }
}
