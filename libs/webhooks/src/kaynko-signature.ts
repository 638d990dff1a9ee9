import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@gateway/security';

/**
 * Kaynko's scheme: `X-Kaynko-Signature: sha256=<hex HMAC-SHA256(key=secret as UTF-8, message=raw body bytes)>`.
 * Used both to verify what Kaynko sends us and to sign what we send to `kaynko`-format endpoints.
 */
export function signKaynko(secret: string, body: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of an `X-Kaynko-Signature` header; any malformed header is simply invalid. */
export function verifyKaynkoSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || header.length > 200) return false;
  return constantTimeEqual(header, signKaynko(secret, body));
}
