import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.service';

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponse' };

/**
 * Declares what IdempotencyInterceptor does on every authenticated `POST`: the optional `Idempotency-Key` header, the
 * `Idempotent-Replayed` header on a repeated answer, and the 400 (bad key) and 409 (key reused, or still running).
 */
export function documentIdempotency(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    const post = item.post;
    // A route without a key (the portal link exchange) has no caller to keep answers for: the header means nothing.
    if (!post?.security?.length) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      {
        name: IDEMPOTENCY_KEY_HEADER,
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: within 24 hours, the same key (per API key) with the same request returns the first ' +
          'answer and changes nothing; with a different request, 409 `idempotency_key_reused`. A UUID is a good key.',
        schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x20-\\x7e]+$' },
      },
    ];
    for (const [status, response] of Object.entries(post.responses)) {
      if (!/^2/.test(status)) continue;
      const answer = response as ResponseObject;
      answer.headers = {
        ...answer.headers,
        [IDEMPOTENT_REPLAYED_HEADER]: {
          description: '`true` when this is the answer first given to the same `Idempotency-Key`, given again.',
          schema: { type: 'string', enum: ['true'] },
        },
      };
    }
    post.responses['400'] ??= {
      description: `Invalid request: an \`${IDEMPOTENCY_KEY_HEADER}\` that is empty, longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters or not printable ASCII.`,
      content: { 'application/json': { schema: ERROR_SCHEMA } },
    };
    const conflict = post.responses['409'] as ResponseObject | undefined;
    const reuse =
      '`idempotency_key_reused`: the key was used for a different request; `idempotency_key_in_use`: a request with ' +
      'the key is still running (retry after `Retry-After`).';
    post.responses['409'] = conflict
      ? { ...conflict, description: `${conflict.description} Or ${reuse}` }
      : { description: reuse, content: { 'application/json': { schema: ERROR_SCHEMA } } };
  }
}
