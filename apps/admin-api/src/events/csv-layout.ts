import { describeEventTypes, saleSummaryOf } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import type { EventEntity } from '@gateway/persistence';
import { iso } from '../common/iso';

type Cell = string | number | null;
type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };

/** What an export writes: its header, and the lines of each event (one, or one per nested row). */
export interface CsvLayout {
  header: string[];
  lines(event: EventEntity): Cell[][];
}

/** Without a type: one line per event, its data as one JSON cell (any mix of types). */
export const GENERIC_LAYOUT: CsvLayout = {
  header: ['id', 'type', 'provider', 'sourceId', 'receivedAt', 'occurredAt', 'data'],
  lines: (e) => [[e.id, e.type, e.provider, e.sourceId, iso(e.receivedAt), iso(e.occurredAt), JSON.stringify(e.data)]],
};

const schemas = new Map(describeEventTypes().map((d) => [d.type, d.schema as Schema]));

/**
 * The columns of one event type, from its contract class's JSON Schema (the catalog's): one column per field of
 * `data`, an object's fields as `object.field`, a list as its count; or, with `rows`, one line per element of that
 * list (a sale's `items`), each with its event id and receipt number. Fields outside the contract are left out
 * (the generic export keeps them).
 */
export function csvLayout(type: string | undefined, rows: string | undefined): CsvLayout {
  if (!type) {
    if (rows) throw ApiError.validation([{ field: 'rows', reason: 'needs a type (the event type whose list it is)' }]);
    return GENERIC_LAYOUT;
  }
  const schema = schemas.get(type);
  if (!schema) throw ApiError.validation([{ field: 'type', reason: `no event type ${type} (GET /v1/event-types)` }]);
  const properties = schema.properties ?? {};
  const lists = Object.keys(properties).filter((name) => properties[name]!.type === 'array');
  if (rows === undefined) return eventColumns(properties);
  const item = properties[rows];
  if (item?.type !== 'array' || !item.items?.properties)
    throw ApiError.validation([
      {
        field: 'rows',
        reason: lists.length
          ? `must be a list of ${type}: ${lists.join(', ')}`
          : `${type} has no list to export row by row`,
      },
    ]);
  const fields = Object.keys(item.items.properties);
  return {
    header: ['eventId', 'receiptNumber', 'line', ...fields],
    lines: (e) => {
      const receipt = saleSummaryOf(e.type, e.data)?.receiptNumber ?? null;
      const elements = e.data[rows];
      return (Array.isArray(elements) ? elements : []).map((element: unknown, i) => [
        e.id,
        receipt,
        i + 1,
        ...fields.map((f) => cell((element as Record<string, unknown> | null)?.[f])),
      ]);
    },
  };
}

function eventColumns(properties: Record<string, Schema>): CsvLayout {
  const columns: Array<[header: string, read: (data: Record<string, unknown>) => Cell]> = [];
  for (const [name, schema] of Object.entries(properties)) {
    if (schema.type === 'array')
      columns.push([name, (d) => (Array.isArray(d[name]) ? (d[name] as unknown[]).length : null)]);
    else if (schema.type === 'object' && schema.properties)
      for (const sub of Object.keys(schema.properties))
        columns.push([`${name}.${sub}`, (d) => cell((d[name] as Record<string, unknown> | null)?.[sub])]);
    else columns.push([name, (d) => cell(d[name])]);
  }
  return {
    header: ['eventId', 'receivedAt', 'occurredAt', 'sourceId', ...columns.map(([h]) => h)],
    lines: (e) => {
      const data = e.data ?? {};
      return [[e.id, iso(e.receivedAt), iso(e.occurredAt), e.sourceId, ...columns.map(([, read]) => read(data))]];
    },
  };
}

/** A value as a cell: numbers stay numbers, text stays text, anything else is its JSON. */
function cell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
