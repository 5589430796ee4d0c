import type { WireRecord } from '../../testing/emulated-history.js';

/**
 * What the Intercom emulator's listings and search share: `starting_after` cursors that name
 * where a page ended by the listing's sort key, and the search query language.
 */

/** Where a page of a listing sorted by `updated_at`, newest first (ties by id), ended. */
export interface ListingCursor {
  updatedAt: number;
  id: string;
}

/** `starting_after`: an opaque token, here base64 of the last record's sort key. */
export function writeCursor(record: WireRecord): string {
  return btoa(JSON.stringify([Number(record.updated_at), String(record.id)]));
}

export function readCursor(token: string): ListingCursor | undefined {
  try {
    const value: unknown = JSON.parse(atob(token));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [updatedAt, id] = value as unknown[];
    if (typeof updatedAt !== 'number' || !Number.isSafeInteger(updatedAt)) return undefined;
    if (typeof id !== 'string') return undefined;
    return { updatedAt, id };
  } catch {
    return undefined;
  }
}

/**
 * Whether `record` sorts after the cursor: an older update, or the same second and a smaller
 * id. A record deleted or moved to the front since the cursor was made does not shift the pages
 * after it, as with Intercom's own keyset cursors.
 */
export function isAfter(record: WireRecord, cursor: ListingCursor): boolean {
  const updatedAt = Number(record.updated_at);
  return (
    updatedAt < cursor.updatedAt ||
    (updatedAt === cursor.updatedAt && String(record.id) < cursor.id)
  );
}

export type Filter = (record: WireRecord) => boolean;

const DATE_FIELDS = new Set(['created_at', 'updated_at']);

/** A search query as a filter, or what is wrong with it. */
export function readFilter(query: unknown, depth: number): Filter | string {
  if (typeof query !== 'object' || query === null) return 'query must be an object';
  const { field, operator, value } = query as {
    field?: unknown;
    operator?: unknown;
    value?: unknown;
  };
  if (operator === 'AND' || operator === 'OR') {
    if (depth >= 2) return 'a query nests at most 2 levels';
    if (!Array.isArray(value) || value.length === 0 || value.length > 15) {
      return `${operator} takes 1 to 15 filters`;
    }
    const filters: Filter[] = [];
    for (const entry of value) {
      const filter = readFilter(entry, depth + 1);
      if (typeof filter === 'string') return filter;
      filters.push(filter);
    }
    return operator === 'AND'
      ? (record) => filters.every((filter) => filter(record))
      : (record) => filters.some((filter) => filter(record));
  }
  if (typeof field !== 'string') return 'field is required';
  if (DATE_FIELDS.has(field)) {
    const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds)) {
      return `${field} takes a Unix timestamp`;
    }
    const of = (record: WireRecord) => Number(record[field]);
    // As Intercom does, `>` and `<` on a date match the second itself too; `>=` and `<=` are
    // refused.
    if (operator === '>') return (record) => of(record) >= seconds;
    if (operator === '<') return (record) => of(record) <= seconds;
    if (operator === '=') return (record) => of(record) === seconds;
    return `operator ${String(operator)} is not supported for field ${field}`;
  }
  if (field === 'id' || field === 'state') {
    const of = (record: WireRecord) => String(record[field]);
    if (operator === '=' || operator === '!=') {
      if (typeof value !== 'string') return `${field} takes a string`;
      return operator === '=' ? (record) => of(record) === value : (record) => of(record) !== value;
    }
    if (operator === 'IN' || operator === 'NIN') {
      if (!Array.isArray(value)) return `${operator} takes an array`;
      const values = new Set(value.map(String));
      return operator === 'IN'
        ? (record) => values.has(of(record))
        : (record) => !values.has(of(record));
    }
    return `operator ${String(operator)} is not supported for field ${field}`;
  }
  if (field === 'open') {
    if (operator !== '=' && operator !== '!=')
      return `operator ${String(operator)} is not supported for field open`;
    const wanted = value === true || value === 'true';
    return operator === '='
      ? (record) => record.open === wanted
      : (record) => record.open !== wanted;
  }
  return `field ${field} cannot be searched here`;
}
