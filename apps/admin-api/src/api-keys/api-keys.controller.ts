import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OperatorOrScope } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { PageQuery } from '../common/pagination';
import { ApiKeysService } from './api-keys.service';
import { Doc, PageOf } from '../common/api-doc';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './api-keys.dto';
import { TenantResponse } from '../tenants/tenants.dto';

@ApiTags('API keys')
@ApiBearerAuth()
@Controller('v1')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Doc({
    summary: 'Create an API key (shown once)',
    status: 201,
    type: CreatedApiKeyResponse,
    errors: [400, 404],
    links: { tenantId: TenantResponse },
  })
  @Post('tenants/:tenantId/api-keys')
  @OperatorOrScope('api-keys:write')
  create(@CurrentPrincipal() principal: Principal, @Param('tenantId') tenantId: string, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(principal, tenantId, dto);
  }

  @Doc({
    summary: "List a tenant's API keys",
    type: PageOf(ApiKeyResponse),
    errors: [400, 404],
    links: { tenantId: TenantResponse },
  })
  @Get('tenants/:tenantId/api-keys')
  @OperatorOrScope('api-keys:read')
  list(@CurrentPrincipal() principal: Principal, @Param('tenantId') tenantId: string, @Query() query: PageQuery) {
    return this.keys.list(principal, tenantId, query);
  }

  @Doc({
    summary: 'Regenerate an API key: the old one stops at once',
    status: 201,
    type: CreatedApiKeyResponse,
    errors: [404],
    links: { id: ApiKeyResponse },
  })
  @Post('api-keys/:id/regenerate')
  @OperatorOrScope('api-keys:write')
  regenerate(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.regenerate(principal, id);
  }

  @Doc({ summary: 'Revoke an API key', status: 204, errors: [404], links: { id: ApiKeyResponse } })
  @Delete('api-keys/:id')
  @OperatorOrScope('api-keys:write')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.revoke(principal, id);
  }
}
