import { createHmac, randomBytes } from 'node:crypto';
import { isSigningKey, signV1a } from './asymmetric-keys';

/**
 * Standard Webhooks (standardwebhooks.com) signatures:
 * `webhook-signature: v1,<base64 HMAC-SHA256("<id>.<timestamp>.<body>")>` keyed with the base64-decoded part of a
 * `whsec_…` secret, or `v1a,<base64 ed25519 signature>` with a `whsk_…` key (asymmetric-keys.ts). Several signatures
 * are space-separated (used during a secret rotation overlap, also from one scheme to the other).
 */
export const WHSEC_PREFIX = 'whsec_';

export function generateEndpointSecret(): string {
  return WHSEC_PREFIX + randomBytes(24).toString('base64');
}

/** The HMAC key of a secret: the base64 part of `whsec_…`, or the UTF-8 bytes of a merchant-supplied secret. */
export function endpointSecretKey(secret: string): Buffer {
  return secret.startsWith(WHSEC_PREFIX)
    ? Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64')
    : Buffer.from(secret);
}

export function signStandardWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const prefix = `${id}.${timestampSeconds}.`;
  return secrets
    .map((secret) => {
      // An endpoint with signatureScheme v1a has an ed25519 key instead of a shared secret.
      if (isSigningKey(secret)) return signV1a(secret, id, timestampSeconds, body);
      const hmac = createHmac('sha256', endpointSecretKey(secret)).update(prefix).update(body).digest('base64');
      return `v1,${hmac}`;
    })
    .join(' ');
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function standardWebhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): StandardWebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signStandardWebhook(secrets, id, timestampSeconds, body),
  };
}
