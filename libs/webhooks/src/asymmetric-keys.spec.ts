import { type JsonWebKey, createPublicKey, verify } from 'node:crypto';
import { generateSigningKeyPair, publicJwk, publicKeyOf, signV1a } from './asymmetric-keys';
import { signStandardWebhook } from './standard-webhooks';

/** Verifies as the spec says a receiver does, from the public key alone (raw bytes, or the JWK). */
function verifies(publicKey: string, header: string, id: string, ts: number, body: string, viaJwk = false): boolean {
  const x = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64').toString('base64url');
  const key = viaJwk
    ? createPublicKey({ key: { ...publicJwk(publicKey) } as JsonWebKey, format: 'jwk' })
    : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return header
    .split(' ')
    .filter((s) => s.startsWith('v1a,'))
    .some((s) => verify(null, Buffer.from(`${id}.${ts}.${body}`), key, Buffer.from(s.slice(4), 'base64')));
}

describe('v1a (ed25519) signatures', () => {
  const { secretKey, publicKey } = generateSigningKeyPair();
  const body = '{"type":"kaynko.sale.completed","timestamp":"2026-12-04T10:00:00Z","data":{"total":1}}';

  it('makes whsk_/whpk_ pairs of 32-byte keys, the public one derivable from the secret one', () => {
    expect(secretKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyOf(secretKey)).toBe(publicKey);
    expect(generateSigningKeyPair().publicKey).not.toBe(publicKey);
  });

  it('signs "<id>.<timestamp>.<body>" so that the public key, raw or as a JWK, verifies it', () => {
    const header = signV1a(secretKey, 'evt_1', 1_765_000_000, body);
    expect(header).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifies(publicKey, header, 'evt_1', 1_765_000_000, body)).toBe(true);
    expect(verifies(publicKey, header, 'evt_1', 1_765_000_000, body, true)).toBe(true);
    expect(verifies(publicKey, header, 'evt_1', 1_765_000_001, body)).toBe(false);
    expect(verifies(publicKey, header, 'evt_2', 1_765_000_000, body)).toBe(false);
    expect(verifies(generateSigningKeyPair().publicKey, header, 'evt_1', 1_765_000_000, body)).toBe(false);
  });

  it('gives the JWK its RFC 7638 thumbprint as kid', () => {
    // RFC 8037 appendix A.3's example key and thumbprint.
    const rfc = 'whpk_' + Buffer.from('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', 'base64url').toString('base64');
    expect(publicJwk(rfc)).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    });
  });

  it('signs with both schemes during an overlap from a shared secret to a key pair', () => {
    const header = signStandardWebhook([secretKey, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'evt_1', 1, body);
    const [first, second] = header.split(' ');
    expect(first).toMatch(/^v1a,/);
    expect(second).toMatch(/^v1,/);
    expect(verifies(publicKey, header, 'evt_1', 1, body)).toBe(true);
  });
});
