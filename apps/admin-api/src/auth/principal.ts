import type { Scope } from '@gateway/contracts';

/**
 * Who is calling: the operator (bootstrap key), one tenant's API key, or a portal session (a link a partner gave one
 * merchant: that tenant only, its listed endpoints only — `endpointIds` null: all of them — and no writes if read-only).
 */
export type Principal =
  | { kind: 'operator' }
  | { kind: 'tenant'; tenantId: string; apiKeyId: string; scopes: ReadonlySet<Scope> }
  | { kind: 'portal'; tenantId: string; sessionId: string; endpointIds: readonly string[] | null; readOnly: boolean };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
export type PortalPrincipal = Extract<Principal, { kind: 'portal' }>;

/** The caller's own name, for rate limits and idempotency keys. */
export function principalId(principal: Principal): string {
  switch (principal.kind) {
    case 'operator':
      return 'operator';
    case 'tenant':
      return principal.apiKeyId;
    case 'portal':
      return principal.sessionId;
  }
}
