import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, OperatorOrScope } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { PageQuery } from '../common/pagination';
import { CreateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('API keys')
@ApiBearerAuth()
@Controller('v1')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('tenants/:tenantId/api-keys')
  @OperatorOrScope('api-keys:write')
  create(@CurrentPrincipal() principal: Principal, @Param('tenantId') tenantId: string, @Body() dto: CreateApiKeyDto) {
    return this.keys.create(principal, tenantId, dto);
  }

  @Get('tenants/:tenantId/api-keys')
  @OperatorOrScope('api-keys:read')
  list(@CurrentPrincipal() principal: Principal, @Param('tenantId') tenantId: string, @Query() query: PageQuery) {
    return this.keys.list(principal, tenantId, query);
  }

  @Post('api-keys/:id/regenerate')
  @OperatorOrScope('api-keys:write')
  regenerate(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.regenerate(principal, id);
  }

  @Delete('api-keys/:id')
  @OperatorOrScope('api-keys:write')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.keys.revoke(principal, id);
  }
}
