import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';

/**
 * Standard Webhooks' asymmetric scheme `v1a`: ed25519 signatures of `<webhook-id>.<webhook-timestamp>.<body>`. The
 * secret key is `whsk_` + base64 of its 32-byte seed (kept sealed by the gateway, never shown); the public key a
 * receiver verifies with is `whpk_` + base64 of its 32 raw bytes, or the same as a JWK (RFC 8037).
 */
export const WHSK_PREFIX = 'whsk_';
export const WHPK_PREFIX = 'whpk_';

/** An Ed25519 public key as a JWK; `kid` is its RFC 7638 thumbprint. */
export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

/** DER of a PKCS #8 Ed25519 private key, up to the 32-byte seed (RFC 8410). */
const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function isSigningKey(secret: string): boolean {
  return secret.startsWith(WHSK_PREFIX);
}

/** A new ed25519 key pair for an endpoint: `whsk_…` (to seal) and `whpk_…` (to show). */
export function generateSigningKeyPair(): { secretKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_SEED_PREFIX.length);
  const secretKey = WHSK_PREFIX + seed.toString('base64');
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}

/** The `whpk_…` public key of a `whsk_…` secret key. */
export function publicKeyOf(secretKey: string): string {
  const raw = rawPublicKey(createPublicKey(privateKeyOf(secretKey)));
  return WHPK_PREFIX + raw.toString('base64');
}

/** The JWK of a `whpk_…` public key (for receivers whose libraries take JWKs, or a JWKS of their own). */
export function publicJwk(publicKey: string): Ed25519Jwk {
  const x = Buffer.from(publicKey.slice(WHPK_PREFIX.length), 'base64').toString('base64url');
  // RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
  const kid = createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
  return { kty: 'OKP', crv: 'Ed25519', x, kid };
}

/** `v1a,<base64 ed25519 signature>` of `<id>.<timestamp>.<body>` with a `whsk_…` secret key. */
export function signV1a(secretKey: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  const data = Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`), Buffer.from(body)]);
  return `v1a,${sign(null, data, privateKeyOf(secretKey)).toString('base64')}`;
}

/** Parsed private keys, by secret key: parsing one costs more than a signature. Bounded (endpoints come and go). */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 10_000;

function privateKeyOf(secretKey: string): KeyObject {
  let key = keys.get(secretKey);
  if (!key) {
    const seed = Buffer.from(secretKey.slice(WHSK_PREFIX.length), 'base64');
    if (seed.length !== 32) throw new Error('not an ed25519 signing key');
    key = createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(secretKey, key);
  }
  return key;
}

function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}
