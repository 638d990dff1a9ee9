import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope, TenantId } from '../auth/auth.decorators';
import { PageQuery } from '../common/pagination';
import { CreateEndpointDto, RotateSecretDto, UpdateEndpointDto } from './endpoints.dto';
import { EndpointsService } from './endpoints.service';

@ApiTags('Endpoints')
@ApiBearerAuth()
@Controller('v1/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Post()
  @RequireScope('endpoints:write')
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
