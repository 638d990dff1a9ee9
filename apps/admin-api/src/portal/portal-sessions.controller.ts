import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '@gateway/http';
import { CurrentPrincipal, OperatorOrScope, PortalOnly } from '../auth/auth.decorators';
import type { PortalPrincipal, Principal } from '../auth/principal';
import { Doc } from '../common/api-doc';
import {
  CreatePortalSessionDto,
  CurrentPortalSessionResponse,
  ExchangePortalTokenDto,
  PortalAccessResponse,
  PortalSessionResponse,
} from './portal-sessions.dto';
import { PortalSessionsService } from './portal-sessions.service';

@ApiTags('Portal')
@Controller('v1/portal-sessions')
export class PortalSessionsController {
  constructor(private readonly sessions: PortalSessionsService) {}

  @Doc({
    summary: "Make a portal link: the console for one tenant's merchant, without an API key",
    description:
      "The session sees only the tenant's listed endpoints (all if none), their deliveries, events and replays, and " +
      'nothing else: no API keys, no sources. `readOnly` forbids every write. The link opens once; ' +
      '`DELETE /v1/portal-sessions/{id}` ends the session at once.',
    status: 201,
    type: PortalSessionResponse,
    errors: [400],
  })
  @Post()
  @ApiBearerAuth()
  @OperatorOrScope('portal:write')
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePortalSessionDto) {
    return this.sessions.create(principal, dto);
  }

  @Doc({
    summary: "Exchange a portal link's token for an access token (once; no key)",
    description:
      'The console does this when a portal link is opened. A second exchange of the same token answers 401, as do an ' +
      'expired or revoked one.',
    type: PortalAccessResponse,
    anyKey: true,
  })
  @Post('exchange')
  @PublicRoute()
  @HttpCode(200)
  exchange(@Body() dto: ExchangePortalTokenDto) {
    return this.sessions.exchange(dto.token);
  }

  @Doc({
    summary: "The calling portal session (its access token's): tenant name, endpoints, read-only",
    type: CurrentPortalSessionResponse,
  })
  @Get('current')
  @ApiBearerAuth()
  @PortalOnly()
  current(@CurrentPrincipal() principal: PortalPrincipal) {
    return this.sessions.current(principal);
  }

  @Doc({
    summary: 'End a portal session at once',
    description: 'The very next request with its access token answers 401, and its link no longer opens.',
    status: 204,
    errors: [404],
    links: { id: PortalSessionResponse },
  })
  @Delete(':id')
  @ApiBearerAuth()
  @OperatorOrScope('portal:write')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.sessions.revoke(principal, id);
  }
}
