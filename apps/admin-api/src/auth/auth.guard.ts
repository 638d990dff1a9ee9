import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Scope } from '@gateway/contracts';
import { ApiError, PUBLIC_ROUTE, RateLimiter } from '@gateway/http';
import { addLogFields } from '@gateway/observability';
import { constantTimeEqual, hashApiKey, PORTAL_ACCESS_PREFIX } from '@gateway/security';
import { AdminApiConfig } from '../admin-api.config';
import { ACCESS_KEY, Access, PORTAL_KEY, PortalRule } from './auth.decorators';
import { ApiKeyRepository } from './api-key.repository';
import { PortalAccessRepository } from './portal-access.repository';
import { PortalPrincipal, Principal, principalId } from './principal';

/**
 * 401 when credentials are missing or invalid (never saying which), 403 when valid credentials lack the right.
 * The operator key is compared in constant time; tenant keys and portal access tokens are looked up by their SHA-256
 * hash.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  private readonly limiter: RateLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AdminApiConfig,
    private readonly keys: ApiKeyRepository,
    private readonly portals: PortalAccessRepository,
  ) {
    this.limiter = new RateLimiter(config.ADMIN_API_RATE_LIMIT_PER_KEY, config.ADMIN_API_RATE_LIMIT_PER_KEY * 2);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, targets);
    if (!access)
      throw new Error(`route ${context.getClass().name}.${context.getHandler().name} declares no access rule`);

    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.authenticate(request.headers.authorization);
    request.principal = principal;
    if (principal.kind !== 'operator') addLogFields({ tenantId: principal.tenantId });
    const wait = this.limiter.take(principalId(principal));
    if (wait) throw ApiError.tooManyRequests(wait, 'Too many requests for this API key.');
    if (principal.kind === 'portal') {
      this.portalMayCall(principal, access, this.reflector.getAllAndOverride<PortalRule>(PORTAL_KEY, targets), request);
      return true;
    }
    if ('portal' in access) throw ApiError.forbidden("This route answers a portal session's access token only.");
    if ('authenticated' in access) return true;

    if (principal.kind === 'operator') {
      if ('operator' in access) return true;
      throw ApiError.forbidden("This route acts within one tenant: call it with that tenant's API key.");
    }
    if ('operator' in access && !access.scope) throw ApiError.forbidden('This route needs the operator key.');
    const scope = access.scope as Scope;
    if (!principal.scopes.has(scope)) throw ApiError.forbidden(`This API key lacks the "${scope}" scope.`);
    return true;
  }

  /**
   * A portal session reaches only routes marked PortalAccess (403 elsewhere), writes only when not read-only (403), and
   * an endpoint outside its list only as a 404 (what another tenant's endpoint answers).
   */
  private portalMayCall(
    principal: PortalPrincipal,
    access: Access,
    rule: PortalRule | undefined,
    request: Request,
  ): void {
    if ('portal' in access) return;
    if (!rule) throw ApiError.forbidden('A portal session cannot use this route.');
    if ('scope' in access && access.scope?.endsWith(':write') && principal.readOnly)
      throw ApiError.forbidden('This portal session is read-only.');
    if (!principal.endpointIds) return;
    if (rule.allEndpoints)
      throw ApiError.forbidden('This portal session is limited to some endpoints: it cannot do this.');
    if (rule.endpoint && !principal.endpointIds.includes(String(request.params[rule.endpoint])))
      throw ApiError.notFound('Endpoint');
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
    if (!match) throw ApiError.unauthorized('Missing or invalid credentials: send "Authorization: Bearer <API key>".');
    const key = match[1]!;
    if (constantTimeEqual(key, this.config.GATEWAY_OPERATOR_KEY)) return { kind: 'operator' };
    if (key.startsWith(PORTAL_ACCESS_PREFIX)) {
      const session = await this.portals.findLiveByAccessHash(hashApiKey(key));
      if (!session)
        throw ApiError.unauthorized('This portal session has ended (expired or revoked): ask for a new link.');
      return { kind: 'portal', ...session, sessionId: session.id };
    }
    const row = await this.keys.findActiveByHash(hashApiKey(key));
    if (!row) throw ApiError.unauthorized();
    this.keys.touch(row.id).catch((err: Error) => this.logger.warn(`could not record key use: ${err.message}`));
    return { kind: 'tenant', tenantId: row.tenantId, apiKeyId: row.id, scopes: new Set(row.scopes) };
  }
}
