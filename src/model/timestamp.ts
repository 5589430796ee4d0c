import { quoted } from '../text/safe-text.js';

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z|z)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * The canonical timestamp: UTC, exactly six fraction digits (microseconds, the precision of
 * PostgreSQL and DuckDB), `Z`. Every vendor's timestamps are written this way, so sorting the
 * strings sorts by time, and every SQL engine reads them as timestamps.
 */
export const CANONICAL_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Epoch numbers from this value up are milliseconds; below it, seconds (1e11 s is year 5138). */
const EPOCH_MILLISECONDS_FROM = 1e11;
/** Largest epoch accepted, in milliseconds: the last millisecond of year 9999. */
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The unit of a Unix epoch number, when the vendor documents it. */
export type EpochUnit = 'seconds' | 'milliseconds';

/** Thrown by {@link normalizeTimestamp} for a value that is not a real date and time. */
export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError';
}

/**
 * Turns a vendor's timestamp into the canonical form, `2025-03-05T04:25:58.059835Z`: UTC,
 * exactly six fraction digits, `Z`.
 *
 * - ISO-8601 text: `Z`, `+00:00`, `+0900` and `+00` offsets, no offset (read as UTC), no seconds,
 *   a `T` or a space between date and time, 0 to 9 fraction digits (fewer are padded with zeros,
 *   more are cut: the vendor's original stays in the record's `raw`).
 * - A JSON number: Unix epoch seconds, or milliseconds from 1e11 up (1e11 seconds would be year
 *   5138), fractions included, down to the microsecond. A vendor that documents its unit passes
 *   `epochUnit` (`'seconds'`, `'milliseconds'`), and the number is read in it whatever its size.
 *
 * @throws InvalidTimestampError for anything else, including impossible dates (`2025-02-30`) and
 *   years outside 0000 to 9999.
 */
export function normalizeTimestamp(input: string | number, epochUnit?: EpochUnit): string {
  if (typeof input === 'number') return fromEpoch(input, epochUnit);
  if (typeof input !== 'string') {
    throw new InvalidTimestampError(`not a timestamp: ${quoted(String(input), 40)}`);
  }
  const fast = fastUtc(input);
  if (fast !== undefined) return fast;
  const match = ISO_PATTERN.exec(input.trim());
  if (match === null)
    throw new InvalidTimestampError(`not an ISO-8601 timestamp: ${quoted(input, 40)}`);
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
    throw new InvalidTimestampError(`not a real date and time: ${quoted(input, 40)}`);
  }
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC reads years 0 to 99 as 1900 to 1999.
  if (year < 100) epoch = new Date(epoch).setUTCFullYear(year);
  if (sign !== undefined) {
    const offset = Number(offsetHours) * 60 + Number(offsetMinutes ?? 0);
    if (Number(offsetHours) > 23 || Number(offsetMinutes ?? 0) > 59) {
      throw new InvalidTimestampError(`invalid UTC offset: ${quoted(input, 40)}`);
    }
    epoch -= (sign === '+' ? offset : -offset) * 60_000;
  }
  return canonical(epoch, micros(fraction), input);
}

/** `epochMs` (a whole second, in milliseconds) and its `microsecond` digits, in canonical form. */
function canonical(epochMs: number, microsecond: string, input: unknown): string {
  const utc = new Date(epochMs);
  const year = utc.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) {
    throw new InvalidTimestampError(`year out of range: ${quoted(String(input), 40)}`);
  }
  return `${isoSeconds(utc)}.${microsecond}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS` of a date, years 0000 to 9999 written with four digits. */
function isoSeconds(date: Date): string {
  const text = date.toISOString();
  // toISOString writes years past 9999 or before 0 with a sign; those are refused before.
  return text.slice(0, 19);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, index) => String(index).padStart(2, '0'));

/**
 * `YYYY-MM-DDTHH:MM:SS` of whole Unix seconds from 0 to the end of year 9999, by the civil
 * calendar's arithmetic (days to year, month and day in the proleptic Gregorian calendar), which
 * costs a fraction of formatting a Date.
 */
function isoFromEpochSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const second = rest - minute * 60;
  // Days since 0000-03-01, counted in 400-year eras of 146,097 days.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}`;
}

/** A fraction of a second as exactly six digits: padded, or cut past the microsecond. */
function micros(fraction: string | undefined): string {
  if (fraction === undefined || fraction === '') return '000000';
  return fraction.length >= 6 ? fraction.slice(0, 6) : fraction.padEnd(6, '0');
}

function fromEpoch(value: number, unit: EpochUnit | undefined): string {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidTimestampError(`not a Unix epoch time: ${value}`);
  }
  const isMilliseconds =
    unit === undefined ? value >= EPOCH_MILLISECONDS_FROM : unit === 'milliseconds';
  if (!isMilliseconds && Number.isInteger(value) && value * 1000 <= MAX_EPOCH_MS) {
    // Whole seconds, the common case: no digits to carry, and no Date to format.
    return `${isoFromEpochSeconds(value)}.000000Z`;
  }
  // The digits the vendor wrote (a number's shortest decimal form), not float arithmetic:
  // 4301364025.711 * 1e6 is 4301364025711000.5, a microsecond off.
  const text = /e/i.test(String(value)) ? value.toFixed(9) : String(value);
  const [whole = '0', fraction = ''] = text.split('.');
  const wholeNumber = Number(whole);
  const epochMs = isMilliseconds ? wholeNumber : wholeNumber * 1000;
  if (epochMs > MAX_EPOCH_MS) {
    throw new InvalidTimestampError(`not a Unix epoch time before year 10000: ${value}`);
  }
  const secondMs = Math.floor(epochMs / 1000) * 1000;
  const microsecond = isMilliseconds
    ? `${String(epochMs - secondMs).padStart(3, '0')}${fraction.slice(0, 3).padEnd(3, '0')}`
    : micros(fraction);
  return canonical(secondMs, microsecond, value);
}

const UTC_Z_SHAPE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;
const UTC_OFFSET_SHAPE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?\+00:00$/;

/**
 * The common case without captures or Date arithmetic: a timestamp already in UTC (`Z` or
 * `+00:00`) only needs its ranges checked and its fraction and suffix rewritten. `undefined`
 * sends anything else the long way (which also gives the precise error).
 */
function fastUtc(input: string): string | undefined {
  const zulu = input.charCodeAt(input.length - 1) === 90; // 'Z'
  if (!(zulu ? UTC_Z_SHAPE : UTC_OFFSET_SHAPE).test(input)) return undefined;
  const month = digitPair(input, 5);
  const day = digitPair(input, 8);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(digitPair(input, 0) * 100 + digitPair(input, 2), month) ||
    digitPair(input, 11) > 23 ||
    digitPair(input, 14) > 59 ||
    digitPair(input, 17) > 59
  ) {
    return undefined;
  }
  const end = input.length - (zulu ? 1 : 6);
  if (zulu && end === 26) return input; // already canonical
  // The two commonest forms: whole seconds, and microseconds with an offset suffix.
  if (end === 19) return `${input.slice(0, 19)}.000000Z`;
  if (end === 26) return `${input.slice(0, 26)}Z`;
  const fraction = end > 19 ? input.slice(20, end) : undefined;
  return `${input.slice(0, 19)}.${micros(fraction)}Z`;
}

function digitPair(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1] ?? 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}
