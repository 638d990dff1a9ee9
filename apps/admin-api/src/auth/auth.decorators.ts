import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Scope } from '@gateway/contracts';
import type { Principal } from './principal';

export const ACCESS_KEY = 'gateway:access';

/**
 * Who may call a route. Every route must declare one (or be marked PublicRoute); the guard refuses routes that do
 * not, so a new route cannot be left open by accident.
 */
export type Access = { operator: true; scope?: Scope } | { tenant: true; scope: Scope } | { authenticated: true };
/** Any valid key, operator or tenant (catalogs that are the same for everyone). */
export const Authenticated = () => SetMetadata(ACCESS_KEY, { authenticated: true } satisfies Access);
/** Operator key only (tenants). */
export const OperatorOnly = () => SetMetadata(ACCESS_KEY, { operator: true } satisfies Access);
/** Operator key, or a tenant key holding `scope` (the tenant's own API keys). */
export const OperatorOrScope = (scope: Scope) => SetMetadata(ACCESS_KEY, { operator: true, scope } satisfies Access);
/** A tenant key holding `scope`; the route acts within that tenant. */
export const RequireScope = (scope: Scope) => SetMetadata(ACCESS_KEY, { tenant: true, scope } satisfies Access);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

/** The calling tenant's id (only on RequireScope routes). */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
  if (principal.kind !== 'tenant') throw new Error('TenantId used on a route that is not tenant-scoped');
  return principal.tenantId;
});
