import { createHmac } from 'node:crypto';
import { expectAnswerInSpec, isAdminApiCall } from './openapi-contract';
import { leakedSecrets, rememberSecret, rememberSecretsIn } from './secrets';

/**
 * A JSON HTTP call for tests: returns status, parsed body and headers. Remembers the secrets it carries (the bearer
 * key, secret-named fields of bodies) and fails when an error answer contains any secret the test has handled. An
 * answer of an admin API the harness started fails unless the OpenAPI document it serves documents it (status, media
 * type, every field: openapi-contract.ts), whatever the test expected.
 */
export async function call<T = any>(
  method: string,
  url: string,
  options: { key?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  rememberSecret(options.key);
  rememberSecretsIn(options.body);
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (res.status >= 400) {
    const leaked = leakedSecrets(text);
    if (leaked.length)
      throw new Error(`${method} ${url} answered ${res.status} with a secret in its body: ${leaked.join(', ')}`);
  } else {
    rememberSecretsIn(parsed); // e.g. a new API key, an endpoint's signing secret
  }
  if (isAdminApiCall(url))
    await expectAnswerInSpec({ method, url, status: res.status, headers: res.headers, body: parsed });
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Polls `probe` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * A Kaynko webhook as Kaynko sends it: JSON, `X-Kaynko-Event`, and `X-Kaynko-Signature` over the exact bytes.
 * `event` defaults to the body's own `event` field.
 */
export function sendKaynko(
  ingestUrl: string,
  secret: string,
  body: string | Buffer,
  options: { event?: string; headers?: Record<string, string> } = {},
) {
  const event = options.event ?? (JSON.parse(body.toString()) as { event: string }).event;
  return call('POST', ingestUrl, {
    rawBody: body,
    headers: {
      'content-type': 'application/json',
      'x-kaynko-event': event,
      'x-kaynko-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      ...options.headers,
    },
  });
}
