import type { JsonObject } from '../model/json.js';

/** Reads a whole number `>= min` from a cursor field, or `undefined`. */
export function readCount(value: JsonObject, key: string, min: number): number | undefined {
  const field = value[key];
  return typeof field === 'number' && Number.isSafeInteger(field) && field >= min
    ? field
    : undefined;
}
