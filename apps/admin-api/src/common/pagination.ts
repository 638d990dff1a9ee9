import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { isRfc3339Instant } from '@gateway/contracts';
import { ApiError } from '@gateway/http';

export class PageQuery {
  /** How many items per page (1–100, default 20). */
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, type: 'integer', description: 'Items per page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** `nextCursor` of the previous page. */
  @ApiPropertyOptional({ maxLength: 200, description: '`nextCursor` of the previous page, as it was returned.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url of the sort key of the last item. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** What each part of a cursor holds: an id (`evt_…`, letters, digits and `_`) or an RFC 3339 instant. */
export type CursorPart = 'id' | 'instant';

const ID = /^[A-Za-z0-9_]{1,64}$/;

/**
 * The sort key a cursor holds, each part checked for its kind, so that no tampered cursor (garbage, a NUL, a date
 * that does not exist) reaches the database: 400 `invalid_cursor` instead.
 */
export function decodeCursor<const K extends readonly CursorPart[]>(
  cursor: string | undefined,
  kinds: K,
): { -readonly [I in keyof K]: string } | null {
  if (!cursor) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === kinds.length &&
    parts.every((part, i) => (kinds[i] === 'id' ? typeof part === 'string' && ID.test(part) : isRfc3339Instant(part)));
  if (!valid) {
    throw ApiError.badRequest('invalid_cursor', 'The cursor is not one this API returned: pass nextCursor as it is.', [
      { field: 'cursor', reason: 'is not a cursor returned by this API' },
    ]);
  }
  return parts as { -readonly [I in keyof K]: string };
}

/** Takes `limit + 1` rows and turns them into a page. */
export function toPage<Row, Out>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Out,
  cursorOf: (row: Row) => string[],
): Page<Out> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(present),
    nextCursor: more ? encodeCursor(cursorOf(pageRows[pageRows.length - 1]!)) : null,
  };
}

export const pageLimit = (query: PageQuery) => query.limit ?? 20;
