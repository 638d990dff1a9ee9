/**
 * Every secret a test handles — API keys, source and endpoint secrets, the operator and encryption keys — so the
 * harness can check that none of them ever appears in a service's log line or in an error body. `call()` and
 * `GatewayProcesses` feed it; nothing else needs to.
 */
const known = new Set<string>();

/** Shorter values could occur in any text by chance; real secrets here are longer. */
const MIN_LENGTH = 8;
/** Fields that hold a secret's value (not its metadata: keyPrefix, secretRotatedAt…). */
const SECRET_FIELD = /^(key|apiKey|secret|previousSecret|token|password)$/i;

export function rememberSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= MIN_LENGTH) known.add(value);
}

/** Secrets found in the fields that hold one (`secret`, `key`, `apiKey`, `token`…), at any depth. */
export function rememberSecretsIn(value: unknown, depth = 0): void {
  if (depth > 6 || value === null || typeof value !== 'object') return;
  for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_FIELD.test(field)) rememberSecret(inner);
    rememberSecretsIn(inner, depth + 1);
  }
}

/** The known secrets that occur in `text` (shown by their first characters only). */
export function leakedSecrets(text: string): string[] {
  return [...known].filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 4)}…`);
}
