import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { signKaynko, verifyKaynkoSignature } from './kaynko-signature';

// The seed's Node.js snippet, verbatim in logic: a receiver written for Kaynko must accept our signature.
function seedVerifySignature(rawBody: Buffer, secret: string, header: string): boolean {
  const expected = 'sha256=' + createHmac('sha256', secret).update(rawBody).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(header));
}

// The seed's Python snippet, run by a real Python interpreter (`npm test` installs one when the machine has none).
const PYTHON_SNIPPET = `
import hmac, hashlib, sys
def verify_signature(raw_body: bytes, secret: str, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
body = sys.stdin.buffer.read()
print("valid" if verify_signature(body, sys.argv[1], sys.argv[2]) else "invalid")
`;

function python(): string {
  for (const candidate of ['python3', 'python']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next one */
    }
  }
  throw new Error('the seed Python snippet needs python3 (or python) on PATH');
}

describe('Kaynko signatures', () => {
  const body = Buffer.from(
    '{"event":"sale.completed","data":{"saleId":42,"customerName":"Zoë"},"timestamp":"2026-06-11T14:30:00.000Z"}',
  );
  const secret = 'merchant-chosen secret ✓';

  it('is accepted by the seed Node.js snippet', () => {
    expect(seedVerifySignature(body, secret, signKaynko(secret, body))).toBe(true);
    expect(seedVerifySignature(body, 'other', signKaynko(secret, body))).toBe(false);
  });

  it('is accepted by the seed Python snippet', () => {
    const py = python();
    const run = (sig: string) =>
      execFileSync(py, ['-c', PYTHON_SNIPPET, secret, sig], { input: body }).toString().trim();
    expect(run(signKaynko(secret, body))).toBe('valid');
    expect(run(signKaynko('wrong', body))).toBe('invalid');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['wrong prefix', signKaynko(secret, body).replace('sha256=', 'sha1=')],
    ['upper-case hex', 'sha256=' + signKaynko(secret, body).slice(7).toUpperCase()],
    ['truncated', signKaynko(secret, body).slice(0, 40)],
    ['another secret', signKaynko('another source secret', body)],
    ['absurdly long', 'sha256=' + 'a'.repeat(10_000)],
  ])('rejects a %s signature', (_, header) => {
    expect(verifyKaynkoSignature(secret, body, header)).toBe(false);
  });

  it('accepts the exact signature', () => {
    expect(verifyKaynkoSignature(secret, body, signKaynko(secret, body))).toBe(true);
  });
});
