import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ApiError } from '@gateway/http';
import { Principal, principalId } from '../auth/principal';
import { Claim, HeldKey, IdempotencyRepository, StoredAnswer } from './idempotency.repository';

/** The request header, and the header on an answer given again. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** How long a second request waits for the first one with its key to answer before being told to retry. */
const WAIT_FOR_FIRST_MS = 10_000;
const EXPIRY_EVERY_MS = 10 * 60_000;
const EXPIRY_BATCH = 5_000;

/** What a request with a key gets: to run (and then store or give back its answer), or a stored answer. */
export type Admission = ({ run: true } & HeldKey) | { run: false; answer: StoredAnswer };

/**
 * Idempotent `POST`s, as Stripe and Svix define them: within 24 h, a key sent again with the same request gets the
 * first answer and changes nothing; with a different request, 409 `idempotency_key_reused`. Keys belong to one API
 * key (the operator key has its own). Only successful answers are kept: an error changed nothing, so its retry simply
 * runs again.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private expiry?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyRepository) {}

  async admit(principal: Principal, key: string, request: FingerprintInput): Promise<Admission> {
    checkKey(key);
    const fingerprint = fingerprintOf(request);
    const owner = principalId(principal);
    const claim: Claim = await this.keys.claim(owner, key, fingerprint, WAIT_FOR_FIRST_MS);
    if (claim.kind === 'busy') {
      throw new ApiError(
        409,
        'idempotency_key_in_use',
        `A request with this ${IDEMPOTENCY_KEY_HEADER} is still running: retry when it has answered.`,
        undefined,
        { 'retry-after': '1' },
      );
    }
    if (claim.kind === 'held') return { run: true, ...claim.key };
    if (claim.fingerprint !== fingerprint) {
      throw ApiError.conflict(
        'idempotency_key_reused',
        `This ${IDEMPOTENCY_KEY_HEADER} was already used for a different request in the last 24 hours: use a new key.`,
      );
    }
    return { run: false, answer: claim.answer };
  }

  /** Removes expired keys in bounded batches, every 10 minutes on every instance (a delete is harmless twice). */
  async deleteExpired(): Promise<number> {
    let total = 0;
    for (let n = EXPIRY_BATCH; n === EXPIRY_BATCH; total += n) n = await this.keys.deleteExpired(EXPIRY_BATCH);
    return total;
  }

  onApplicationBootstrap(): void {
    this.expiry = setInterval(() => {
      this.deleteExpired().catch((err: Error) => this.logger.warn(`expired idempotency keys: ${err.message}`));
    }, EXPIRY_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.expiry);
  }
}

/** A key is 1–255 printable ASCII characters (a UUID is the usual choice). */
export function checkKey(key: string): void {
  const reason =
    key.length === 0
      ? 'must not be empty'
      : key.length > MAX_IDEMPOTENCY_KEY_LENGTH
        ? `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`
        : /[^\x20-\x7e]/.test(key)
          ? 'must be printable ASCII'
          : null;
  if (reason) {
    throw ApiError.validation(
      [{ field: IDEMPOTENCY_KEY_HEADER, reason }],
      `The ${IDEMPOTENCY_KEY_HEADER} header is invalid.`,
    );
  }
}

export interface FingerprintInput {
  method: string;
  /** The path and query as requested. */
  url: string;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
}

/** What makes two requests "the same": method, URL and body, the body compared as JSON (key order ignored). */
export function fingerprintOf({ method, url, body }: FingerprintInput): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n`)
    .update(body === undefined ? '' : canonicalJson(body))
    .digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
