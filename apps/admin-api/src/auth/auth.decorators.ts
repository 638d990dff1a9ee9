import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Scope } from '@gateway/contracts';
import type { Principal } from './principal';

export const ACCESS_KEY = 'gateway:access';
export const PORTAL_KEY = 'gateway:portal';

/**
 * Who may call a route. Every route must declare one (or be marked PublicRoute); the guard refuses routes that do
 * not, so a new route cannot be left open by accident.
 */
export type Access =
  { operator: true; scope?: Scope } | { tenant: true; scope: Scope } | { authenticated: true } | { portal: true };
/** Any valid key, operator or tenant (catalogs that are the same for everyone). */
export const Authenticated = () => SetMetadata(ACCESS_KEY, { authenticated: true } satisfies Access);
/** Operator key only (tenants). */
export const OperatorOnly = () => SetMetadata(ACCESS_KEY, { operator: true } satisfies Access);
/** Operator key, or a tenant key holding `scope` (the tenant's own API keys). */
export const OperatorOrScope = (scope: Scope) => SetMetadata(ACCESS_KEY, { operator: true, scope } satisfies Access);
/** A tenant key holding `scope`; the route acts within that tenant. */
export const RequireScope = (scope: Scope) => SetMetadata(ACCESS_KEY, { tenant: true, scope } satisfies Access);
/** A portal session's access token only (what the session itself may see about itself). */
export const PortalOnly = () => SetMetadata(ACCESS_KEY, { portal: true } satisfies Access);

/**
 * What a portal session may do on a route besides its access rule; a route without it is closed to portal sessions
 * (403). A route whose scope is a `:write` one is a write (403 to a read-only session). `endpoint` names the path
 * parameter holding an endpoint id: an endpoint outside the session's list answers 404, as if it did not exist.
 * `allEndpoints`: only a session over all of the tenant's endpoints may call it (creating one).
 */
export interface PortalRule {
  endpoint?: string;
  allEndpoints?: boolean;
}
export const PortalAccess = (rule: PortalRule = {}) => SetMetadata(PORTAL_KEY, rule);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/** The calling tenant's id (on RequireScope routes: a tenant key's, or a portal session's). */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
  if (principal.kind === 'operator') throw new Error('TenantId used on a route that is not tenant-scoped');
  return principal.tenantId;
});

/**
 * The endpoints the caller may see: a portal session's list, or null (all of the tenant's). Services given a list
 * show only those endpoints, their deliveries, events and replays — anything else answers as if it did not exist.
 */
export type VisibleEndpoints = readonly string[] | null;
export const Visible = createParamDecorator((_: unknown, ctx: ExecutionContext): VisibleEndpoints => {
  const principal = ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
  return principal.kind === 'portal' ? principal.endpointIds : null;
});
