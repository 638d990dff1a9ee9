import { Injectable } from '@nestjs/common';
import { IdPrefix } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { generatePortalToken, hashApiKey, newId, PORTAL_ACCESS_PREFIX, PORTAL_LINK_PREFIX } from '@gateway/security';
import { AdminApiConfig } from '../admin-api.config';
import type { PortalPrincipal, Principal } from '../auth/principal';
import { principalId } from '../auth/principal';
import { iso } from '../common/iso';
import { TenantsRepository } from '../tenants/tenants.repository';
import {
  CreatePortalSessionDto,
  CurrentPortalSessionResponse,
  PORTAL_DEFAULT_SECONDS,
  PortalAccessResponse,
  PortalSessionResponse,
} from './portal-sessions.dto';
import { PortalSessionsRepository } from './portal-sessions.repository';

/**
 * Portal links: a partner makes one per merchant; the console exchanges its token once for an access token, which
 * then acts as a narrow tenant key (what it may reach is the auth guard's PortalAccess rules).
 */
@Injectable()
export class PortalSessionsService {
  constructor(
    private readonly sessions: PortalSessionsRepository,
    private readonly tenants: TenantsRepository,
    private readonly config: AdminApiConfig,
  ) {}

  async create(principal: Principal, dto: CreatePortalSessionDto): Promise<PortalSessionResponse> {
    const tenantId = await this.tenantOf(principal, dto.tenantId);
    const endpointIds = dto.endpointIds ?? null;
    if (endpointIds) {
      const owned = await this.sessions.endpointsOf(tenantId, endpointIds);
      const unknown = endpointIds.flatMap((id, i) =>
        owned.has(id) ? [] : [{ field: `endpointIds[${i}]`, reason: `no endpoint ${id} in this tenant` }],
      );
      if (unknown.length) throw ApiError.validation(unknown);
    }
    const id = newId(IdPrefix.portalSession);
    const link = generatePortalToken(PORTAL_LINK_PREFIX);
    const expiresAt = await this.sessions.insert({
      id,
      tenantId,
      endpointIds,
      readOnly: dto.readOnly ?? false,
      tokenHash: link.hash,
      createdBy: principalId(principal),
      expiresInSeconds: dto.expiresInSeconds ?? PORTAL_DEFAULT_SECONDS,
    });
    const base = this.config.GATEWAY_PUBLIC_ADMIN_URL.replace(/\/+$/, '');
    return { id, url: `${base}/console/#/portal/${link.token}`, expiresAt: iso(expiresAt)! };
  }

  /** Every refusal is the same 401: an unknown, used, revoked or expired link are not told apart. */
  async exchange(token: string): Promise<PortalAccessResponse> {
    if (!token.startsWith(PORTAL_LINK_PREFIX)) throw linkRefused();
    const access = generatePortalToken(PORTAL_ACCESS_PREFIX);
    const session = await this.sessions.exchange(hashApiKey(token), access.hash);
    if (!session) throw linkRefused();
    return { accessToken: access.token, expiresAt: iso(session.expiresAt)! };
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    const tenantId = principal.kind === 'operator' ? null : principal.tenantId;
    if (!(await this.sessions.revoke(id, tenantId))) throw ApiError.notFound('Portal session');
  }

  async current(principal: PortalPrincipal): Promise<CurrentPortalSessionResponse> {
    const session = await this.sessions.current(principal.sessionId);
    if (!session) throw ApiError.unauthorized();
    return { ...session, expiresAt: iso(session.expiresAt)! };
  }

  /** The operator names the tenant; a tenant key makes its own tenant's sessions only. */
  private async tenantOf(principal: Principal, requested: string | undefined): Promise<string> {
    if (principal.kind === 'operator') {
      if (!requested) throw ApiError.validation([{ field: 'tenantId', reason: 'required with the operator key' }]);
      if (!(await this.tenants.findById(requested)))
        throw ApiError.validation([{ field: 'tenantId', reason: `no tenant ${requested}` }]);
      return requested;
    }
    if (principal.kind === 'portal') throw ApiError.forbidden('A portal session cannot make portal sessions.');
    if (requested !== undefined && requested !== principal.tenantId)
      throw ApiError.forbidden('A tenant key makes portal sessions for its own tenant only: omit tenantId.');
    return principal.tenantId;
  }
}

function linkRefused(): ApiError {
  return ApiError.unauthorized('This portal link is not valid: it was already opened, has expired or was revoked.');
}
