import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversationSchema, MessageSchema } from '../../src/index.js';
import { InvalidTimestampError, normalizeTimestamp } from '../../src/model/timestamp.js';
import type { MapResult } from '../../src/paginate/types.js';
import { chatsV1 } from '../../src/providers/chats-v1/chats-v1-source.js';
import type { VendorListing } from '../../src/providers/define-vendor.js';
import { okchat } from '../../src/providers/okchat/okchat-source.js';

const context = { source: 'test', account: 'test', conversationId: 'c' };
const mapWith =
  (listing: VendorListing<typeof context, { createdAt: string }> | undefined) =>
  (record: Record<string, unknown>): MapResult<{ createdAt: string }> => {
    if (listing === undefined) throw new Error('no such listing');
    return listing.mapRecord(record, context);
  };

/**
 * Every vendor's record path (wire schema, fast-path guard, mapper), fed a record whose creation
 * time is `createdAt` in whatever shape the test chose.
 */
const VENDORS: {
  name: string;
  map(createdAt: string | number, id: string): MapResult<{ createdAt: string }>;
  parse(value: unknown): unknown;
}[] = [
  {
    name: 'okchat message',
    map: (createdAt, id) =>
      mapWith(okchat.messages)({ id, sender_type: 'user', content: 'x', created_at: createdAt }),
    parse: (value) => MessageSchema.parse(value),
  },
  {
    name: 'okchat conversation',
    map: (createdAt, id) =>
      mapWith(okchat.conversations)({ id, created_at: createdAt, updated_at: createdAt }),
    parse: (value) => ConversationSchema.parse(value),
  },
  {
    name: 'chats-v1 message',
    map: (createdAt, id) =>
      mapWith(chatsV1.messages)({ id, sender_role: 'user', content: 'x', created_at: createdAt }),
    parse: (value) => MessageSchema.parse(value),
  },
  {
    name: 'chats-v1 chat',
    map: (createdAt, id) =>
      mapWith(chatsV1.conversations)({ id, created_at: createdAt, updated_at: createdAt }),
    parse: (value) => ConversationSchema.parse(value),
  },
];

const MICROS_PER_SECOND = 1_000_000n;
/** 1970-01-01 to 2200-01-01, in microseconds. */
const LAST_MICROS = 7_258_118_400_000_000n;

/** The canonical text of an instant, written independently of the library's own code. */
function canonicalOf(micros: bigint): string {
  const seconds = micros / MICROS_PER_SECOND;
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(micros % MICROS_PER_SECOND).padStart(6, '0')}Z`;
}

type Shape =
  | {
      kind: 'iso';
      digits: number;
      extra: string;
      zone: 'Z' | '+00:00' | 'none' | number;
      compact: boolean;
    }
  | { kind: 'epoch-seconds' }
  | { kind: 'epoch-milliseconds' };

const shape: fc.Arbitrary<Shape> = fc.oneof(
  fc.record({
    kind: fc.constant('iso' as const),
    digits: fc.integer({ min: 0, max: 9 }),
    extra: fc.stringMatching(/^\d{3}$/),
    zone: fc.oneof(
      fc.constant('Z' as const),
      fc.constant('+00:00' as const),
      fc.constant('none' as const),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
    ),
    compact: fc.boolean(),
  }),
  fc.constant({ kind: 'epoch-seconds' as const }),
  fc.constant({ kind: 'epoch-milliseconds' as const }),
);

/** Writes an instant in a shape; returns what the vendor sends and the instant it means. */
function render(micros: bigint, as: Shape): { wire: string | number; means: bigint } {
  // Epoch numbers below 1e11 are read as seconds (documented): milliseconds before 1973-03-03
  // cannot be told from seconds, so they are sent as seconds.
  if (as.kind === 'epoch-seconds' || (as.kind === 'epoch-milliseconds' && micros < 10n ** 14n)) {
    // Whole milliseconds: a float holds those exactly enough to round back to the microsecond.
    const truncated = micros - (micros % 1000n);
    return { wire: Number(truncated) / 1e6, means: truncated };
  }
  if (as.kind === 'epoch-milliseconds') {
    return { wire: Number(micros) / 1000, means: micros };
  }
  const offsetMinutes = typeof as.zone === 'number' ? as.zone : 0;
  const local = new Date(Number(micros / 1000n) + offsetMinutes * 60_000)
    .toISOString()
    .slice(0, 19);
  const fraction = String(micros % MICROS_PER_SECOND).padStart(6, '0');
  const shown =
    as.digits <= 6 ? fraction.slice(0, as.digits) : `${fraction}${as.extra}`.slice(0, as.digits);
  const unit = 10n ** BigInt(6 - Math.min(as.digits, 6));
  let zone = '';
  if (as.zone === 'Z' || as.zone === '+00:00') zone = as.zone;
  else if (typeof as.zone === 'number') {
    const sign = as.zone < 0 ? '-' : '+';
    const hours = String(Math.floor(Math.abs(as.zone) / 60)).padStart(2, '0');
    const minutes = String(Math.abs(as.zone) % 60).padStart(2, '0');
    zone = as.compact ? `${sign}${hours}${minutes}` : `${sign}${hours}:${minutes}`;
  }
  return {
    wire: `${local}${shown === '' ? '' : `.${shown}`}${zone}`,
    means: micros - (micros % unit),
  };
}

describe.each(VENDORS)('every vendor: canonical timestamps ($name)', (vendor) => {
  it('any shape a vendor sends becomes YYYY-MM-DDTHH:MM:SS.ffffffZ, valid, and string order is time order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: LAST_MICROS }), shape), {
          minLength: 1,
          maxLength: 20,
        }),
        (instants) => {
          const mapped = instants.map(([micros, as], index) => {
            const { wire, means } = render(micros, as);
            const result = vendor.map(wire, `r-${index}`);
            if (!result.ok) throw new Error(`${JSON.stringify(wire)} was refused`);
            expect(vendor.parse(result.value)).toEqual(result.value);
            expect(result.value.createdAt).toBe(canonicalOf(means));
            return { text: result.value.createdAt, means };
          });
          const byText = [...mapped].sort((a, b) =>
            a.text < b.text ? -1 : a.text > b.text ? 1 : 0,
          );
          const byTime = [...mapped].sort((a, b) =>
            a.means < b.means ? -1 : a.means > b.means ? 1 : 0,
          );
          expect(byText.map((entry) => entry.means)).toEqual(byTime.map((entry) => entry.means));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('epoch numbers in a documented unit', () => {
  it('reads them in that unit whatever their size', () => {
    // Below 1e11 a number is read as seconds, above as milliseconds, unless the unit is given.
    expect(normalizeTimestamp(99_999_999_999)).toBe('5138-11-16T09:46:39.000000Z');
    expect(normalizeTimestamp(99_999_999_999, 'milliseconds')).toBe('1973-03-03T09:46:39.999000Z');
    expect(normalizeTimestamp(100_000_000_000, 'seconds')).toBe('5138-11-16T09:46:40.000000Z');
    expect(normalizeTimestamp(1_663_597_223, 'seconds')).toBe('2022-09-19T14:20:23.000000Z');
    expect(normalizeTimestamp(1_663_597_223, 'milliseconds')).toBe('1970-01-20T06:06:37.223000Z');
    expect(() => normalizeTimestamp(253_402_300_800, 'seconds')).toThrow(InvalidTimestampError);
  });
});

describe('whole epoch seconds', () => {
  it('are written as Date writes them, from 1970 to the end of year 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        const expected = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.000000Z`;
        expect(normalizeTimestamp(seconds, 'seconds')).toBe(expected);
        if (seconds < 1e11) expect(normalizeTimestamp(seconds)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    // Leap days and century years, where calendar arithmetic goes wrong first.
    for (const day of ['2000-02-29', '2100-03-01', '1972-02-29', '2400-02-29', '9999-12-31']) {
      const seconds = Date.parse(`${day}T23:59:59Z`) / 1000;
      expect(normalizeTimestamp(seconds, 'seconds')).toBe(`${day}T23:59:59.000000Z`);
    }
  });
});
