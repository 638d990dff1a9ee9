import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (endpoint secrets, source secrets and tokens).
 * Stored form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id is derived from the key, so a
 * rotation can keep old keys for decryption (`previousKeys`) while encrypting only with the current one.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  constructor(currentKeyBase64: string, previousKeysBase64: readonly string[] = []) {
    this.current = SecretBox.parseKey(currentKeyBase64);
    for (const encoded of [currentKeyBase64, ...previousKeysBase64]) {
      const { id, key } = SecretBox.parseKey(encoded);
      this.keys.set(id, key);
    }
  }

  static parseKey(encoded: string): { id: string; key: Buffer } {
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) throw new Error('an encryption key must be 32 bytes, base64-encoded');
    return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  get keyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.current.id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !keyId || iv === undefined || ciphertext === undefined || tag === undefined) {
      throw new Error('not a sealed secret');
    }
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`secret sealed with unknown key ${keyId}; add it to the previous keys`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Is this value sealed with an older key (so a re-encryption job should rewrite it)? */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }
}
