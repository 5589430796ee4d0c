const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z|z)|([+-])(\d{2}):?(\d{2}))?$/;

/** An ISO-8601 UTC timestamp as the canonical model holds it: `2025-03-05T04:25:58.059835Z`. */
export const CANONICAL_TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

/** Thrown by {@link normalizeTimestamp} for text that is not a real date and time. */
export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError';
}

/**
 * Turns a vendor's ISO-8601 timestamp into UTC `Z` form, keeping its sub-second digits.
 *
 * Accepts `Z`, `+00:00`, `+0900`-style offsets, no offset (read as UTC), no seconds, and a `T` or
 * space between date and time. Sub-second digits are kept exactly and padded with zeros to 3, 6 or
 * 9 digits, so that one vendor's timestamps sort as strings even where it trims trailing zeros
 * (`07:59:34.45648+00:00` becomes `07:59:34.456480Z`).
 *
 * @throws InvalidTimestampError for anything else, including impossible dates (`2025-02-30`).
 */
export function normalizeTimestamp(input: string): string {
  const match = typeof input === 'string' ? ISO_PATTERN.exec(input.trim()) : null;
  if (match === null)
    throw new InvalidTimestampError(`not an ISO-8601 timestamp: ${preview(input)}`);
  const [, y, mo, d, h, mi, s = '00', fraction, , sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new InvalidTimestampError(`not a real date and time: ${preview(input)}`);
  }
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second);
  if (sign !== undefined) {
    const offset = Number(offsetHours) * 60 + Number(offsetMinutes);
    if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) {
      throw new InvalidTimestampError(`invalid UTC offset: ${preview(input)}`);
    }
    epoch -= (sign === '+' ? offset : -offset) * 60_000;
  }
  const utc = new Date(epoch);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 0 || utcYear > 9999) {
    throw new InvalidTimestampError(`year out of range: ${preview(input)}`);
  }
  const base = utc.toISOString().slice(0, 19);
  return fraction === undefined ? `${base}Z` : `${base}.${padFraction(fraction)}Z`;
}

function padFraction(fraction: string): string {
  const width = fraction.length <= 3 ? 3 : fraction.length <= 6 ? 6 : 9;
  return fraction.padEnd(width, '0');
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function preview(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
