import type { Scope } from '@gateway/contracts';

/** Who is calling: the operator (bootstrap key) or one tenant's API key. */
export type Principal =
  { kind: 'operator' } | { kind: 'tenant'; tenantId: string; apiKeyId: string; scopes: ReadonlySet<Scope> };

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
