import { isPlainRecord } from '../model/canonical-schemas.js';
import { isWellFormedText } from '../text/safe-text.js';

/**
 * Plain type checks for the fast path of record validation: a record that passes its guard is
 * mapped as is, with no copy; one that fails goes through its zod schema, which says precisely
 * what is wrong. Each guard must accept exactly what its schema accepts (a property test holds
 * them to it).
 */

export type Guard = (value: unknown) => boolean;

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0;
export const isNullishString: Guard = (value) => value == null || typeof value === 'string';
/** What `WireTimestampSchema` accepts: text, or a number (an epoch time). */
export const isWireTimestamp = (value: unknown): value is string | number =>
  typeof value === 'string' || typeof value === 'number';
export const isNullishWireTimestamp: Guard = (value) => value == null || isWireTimestamp(value);

/** What `WireIdSchema` accepts: non-empty, well-formed text, not `.` or `..`. */
export const isWireId = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length > 0 &&
  value !== '.' &&
  value !== '..' &&
  isWellFormedText(value);
export const isNullishWellFormedString: Guard = (value) =>
  value == null || (typeof value === 'string' && isWellFormedText(value));
export const isNullishBoolean: Guard = (value) => value == null || typeof value === 'boolean';
export const isNullishArray: Guard = (value) => value == null || Array.isArray(value);
export const isNullishCount: Guard = (value) =>
  value == null || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);

/** A JSON object (not an array, not null), as `MetadataSchema` accepts it. */
export const isPlainObject = isPlainRecord;

export const isNullishPlainObject: Guard = (value) => value == null || isPlainObject(value);

/** `value == null` or an array whose every element passes `element`. */
export function isNullishArrayOf(value: unknown, element: Guard): boolean {
  if (value == null) return true;
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!element(item)) return false;
  return true;
}
