import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const key = SecretBox.generateKey();

  it('round-trips and never stores the plaintext', () => {
    const box = new SecretBox(key);
    const sealed = box.encrypt('whsec_c2VjcmV0');
    expect(sealed).not.toContain('whsec');
    expect(sealed.split('.')).toHaveLength(5);
    expect(box.decrypt(sealed)).toBe('whsec_c2VjcmV0');
  });

  it('uses a fresh IV every time', () => {
    const box = new SecretBox(key);
    expect(box.encrypt('x')).not.toBe(box.encrypt('x'));
  });

  it('rejects tampered ciphertext', () => {
    const box = new SecretBox(key);
    const parts = box.encrypt('secret').split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
  });

  it('decrypts with a previous key after rotation and flags the value for re-encryption', () => {
    const old = new SecretBox(key);
    const sealed = old.encrypt('secret');
    const rotated = new SecretBox(SecretBox.generateKey(), [key]);
    expect(rotated.decrypt(sealed)).toBe('secret');
    expect(rotated.needsRotation(sealed)).toBe(true);
    expect(rotated.needsRotation(rotated.encrypt('secret'))).toBe(false);
  });

  it('refuses a key of the wrong size', () => {
    expect(() => new SecretBox(Buffer.alloc(16).toString('base64'))).toThrow('32 bytes');
  });
});
