const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z|z)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** An ISO-8601 UTC timestamp as the canonical model holds it: `2025-03-05T04:25:58.059835Z`. */
export const CANONICAL_TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6}|\.\d{9})?Z$/;

/** Thrown by {@link normalizeTimestamp} for text that is not a real date and time. */
export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError';
}

/** How {@link normalizeTimestamp} writes sub-second digits. */
export interface NormalizeTimestampOptions {
  /**
   * Pad the fraction with zeros to this many digits (a fraction is added when there is none).
   * Vendors that trim trailing zeros (`.45648` for `.456480`, no fraction at all for `.000000`)
   * produce strings that do not sort in time order; a fixed width fixes that. Digits are never
   * dropped: a longer fraction is kept whole.
   * @default undefined (the digits exactly as given)
   */
  fractionDigits?: 3 | 6 | 9;
}

/**
 * Turns a vendor's ISO-8601 timestamp into UTC `Z` form, keeping its sub-second digits.
 *
 * Accepts `Z`, `+00:00`, `+0900` and `+00` offsets, no offset (read as UTC), no seconds, and a
 * `T` or a space between date and time.
 *
 * @throws InvalidTimestampError for anything else, including impossible dates (`2025-02-30`).
 */
export function normalizeTimestamp(input: string, options: NormalizeTimestampOptions = {}): string {
  const alreadyUtc =
    typeof input === 'string' ? fastUtc(input, options.fractionDigits ?? 0) : undefined;
  if (alreadyUtc !== undefined) return alreadyUtc;
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
    const offset = Number(offsetHours) * 60 + Number(offsetMinutes ?? 0);
    if (Number(offsetHours) > 23 || Number(offsetMinutes ?? 0) > 59) {
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
  const digits = (fraction ?? '').padEnd(options.fractionDigits ?? 0, '0');
  return digits === '' ? `${base}Z` : `${base}.${digits}Z`;
}

const UTC_SHAPE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|\+00:00)$/;

/**
 * The common case without captures or Date arithmetic: a timestamp already in UTC (`Z` or
 * `+00:00`) only needs its ranges checked and its suffix rewritten. `undefined` sends anything
 * else the long way (which also gives the precise error).
 */
function fastUtc(input: string, fractionDigits: number): string | undefined {
  if (!UTC_SHAPE.test(input)) return undefined;
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
  const zulu = input.charCodeAt(input.length - 1) === 90; // 'Z'
  const end = input.length - (zulu ? 1 : 6);
  const digits = end > 19 ? end - 20 : 0;
  if (zulu && digits >= fractionDigits) return input;
  const fraction = digits > 0 ? input.slice(20, end) : '';
  const padded = digits >= fractionDigits ? fraction : fraction.padEnd(fractionDigits, '0');
  return padded === '' ? `${input.slice(0, 19)}Z` : `${input.slice(0, 19)}.${padded}Z`;
}

function digitPair(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1] ?? 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

function preview(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
