/** Every API-key scope. A key created without `scopes` gets all of them. */
export const SCOPE_FAMILIES = ['api-keys', 'sources', 'endpoints', 'events', 'deliveries'] as const;
export const SCOPES = [
  ...SCOPE_FAMILIES.flatMap((family) => [`${family}:read`, `${family}:write`]),
  'qerko:reply',
  // Makes portal links (POST /v1/portal-sessions): a link grants at most the endpoints' read/write, never keys or sources.
  'portal:write',
] as const;
export type Scope = (typeof SCOPES)[number];
