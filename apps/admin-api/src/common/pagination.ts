import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiError } from '@gateway/http';

export class PageQuery {
  /** How many items per page (1–100, default 20). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** `nextCursor` of the previous page. */
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

export function decodeCursor(cursor: string | undefined, arity: number): string[] | null {
  if (!cursor) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string')) return parts;
  } catch {
    /* fall through */
  }
  throw ApiError.validation([{ field: 'cursor', reason: 'is not a cursor returned by this API' }]);
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
