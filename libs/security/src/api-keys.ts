import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys: `gw_live_<32 random bytes, base62-ish>`. Shown once; stored as SHA-256 (the key has 256 bits of entropy,
 * so a fast hash is sufficient and keeps authentication cheap) plus a short visible prefix for people to tell keys
 * apart. A key cannot be recovered, only regenerated.
 */
export const API_KEY_PREFIX = 'gw_live_';

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A random URL-safe token (source tokens for providers that cannot sign). */
export function generateToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Portal secrets, stored like API keys (SHA-256 only): a link token (`gw_link_…`, in the link's fragment, exchanged
 * once) and the access token it is exchanged for (`gw_portal_…`, what the console then sends as its bearer).
 */
export const PORTAL_LINK_PREFIX = 'gw_link_';
export const PORTAL_ACCESS_PREFIX = 'gw_portal_';

export function generatePortalToken(prefix: typeof PORTAL_LINK_PREFIX | typeof PORTAL_ACCESS_PREFIX): {
  token: string;
  hash: string;
} {
  const token = prefix + randomBytes(32).toString('base64url');
  return { token, hash: hashApiKey(token) };
}
