import { applyDecorators, Type } from '@nestjs/common';
import { ApiLink, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { HeaderObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** One problem with one field, in a 400's `details`. */
export class FieldErrorDoc {
  @ApiProperty({ example: 'url' }) field: string;
  @ApiProperty({ example: 'must use https' }) reason: string;
}

export class ErrorDoc {
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'validation_failed', description: 'Stable, machine-readable: switch on this.' })
  code: string;
  @ApiProperty({ example: 'The request is invalid: see details for each field.' }) message: string;
  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'On 400: every invalid field, each named.' })
  details?: FieldErrorDoc[];
}

/** The one error shape of every answer that is not a 2xx. */
export class ErrorResponse {
  @ApiProperty({ type: ErrorDoc }) error: ErrorDoc;
}

const ERRORS: Record<number, string> = {
  400: 'Invalid request: `error.details` names each bad field; or a body that is not valid JSON, or a NUL (`%00`) in the URL.',
  401: 'Missing, unknown, revoked or regenerated API key.',
  403: 'The key lacks the scope this operation needs (named in the message), or the route is for the operator key.',
  404: 'No such resource — also the answer for ids of other tenants.',
  409: 'Conflicts with the current state of the resource.',
  413: 'The request body is too large.',
  415: 'The request body is not JSON.',
  429: 'Too many requests with this key: retry after `Retry-After` seconds.',
  503: 'A dependency (Kafka, PostgreSQL) is unavailable, or a change could not be propagated in time: retry.',
};

export interface DocOptions {
  summary: string;
  description?: string;
  /** The success status (200 unless given). */
  status?: 200 | 201 | 202 | 204;
  /** The success body's class; a `PageOf(…)` for lists; none for 204. */
  type?: Type<unknown>;
  /** Errors beyond 400, 401, 403 and 429, which every operation can give (and 413, 415 for a body: openapi.ts). */
  errors?: number[];
  /** A body that is not JSON (e.g. `text/csv`): documented as text of that type. */
  produces?: string;
  /** Any valid key may call it: no 403. */
  anyKey?: boolean;
  /**
   * The resource each path parameter is the id of (`{ id: SourceResponse }`): the answers that carry one (the
   * resource, its page's first item) link to this operation (OpenAPI links, which stateful fuzzing follows).
   */
  links?: Record<string, Type<unknown>>;
}

/**
 * An operation's documentation in one place: its summary, its success response with the real response class, and
 * every error it can give, in the one error shape. What partners generate clients from.
 */
export function Doc({
  summary,
  description,
  status = 200,
  type,
  errors = [],
  produces,
  anyKey = false,
  links = {},
}: DocOptions): MethodDecorator {
  const codes = [...new Set([...errors, 400, 401, 429, ...(anyKey ? [] : [403])])].sort((a, b) => a - b);
  const body = produces ? { content: { [produces]: { schema: { type: 'string' as const } } } } : type ? { type } : {};
  return applyDecorators(
    ApiOperation({ summary, ...(description ? { description } : {}) }),
    ApiResponse({ status, description: summary, ...body }),
    ...codes.map((code) => ApiResponse({ status: code, ...errorResponse(code), type: ErrorResponse })),
    ...Object.entries(links).flatMap(([routeParam, resource]) => [
      ApiLink({ from: resource, fromField: 'id', routeParam }),
      ApiLink({ from: PageOf(resource), fromField: 'data/0/id', routeParam }),
    ]),
  );
}

/** An error response's description (and headers) for `code`, in the one error shape (ErrorResponse). */
export function errorResponse(code: number): { description: string; headers?: Record<string, HeaderObject> } {
  const description = ERRORS[code] ?? 'Error.';
  if (code !== 429) return { description };
  return {
    description,
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before the next request.',
        required: true,
        schema: { type: 'integer', minimum: 1 },
      },
    },
  };
}

const pages = new Map<Type<unknown>, Type<unknown>>();

/** The paged envelope `{ data: [item], nextCursor }` of a list of `item`, as a named schema (`<Item>Page`). */
export function PageOf(item: Type<unknown>): Type<unknown> {
  let page = pages.get(item);
  if (!page) {
    class Page {}
    ApiProperty({ type: [item] })(Page.prototype, 'data');
    ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` for the next page; null on the last page.',
    })(Page.prototype, 'nextCursor');
    Object.defineProperty(Page, 'name', { value: `${item.name.replace(/Response$/, '')}Page` });
    pages.set(item, (page = Page));
  }
  return page;
}
