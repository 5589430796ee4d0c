import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MetadataSchema } from '../../src/model/canonical-schemas.js';
import { mapRecordWith } from '../../src/providers/map-record.js';
import { VENDORS } from '../../src/providers/registry.js';
import {
  CountSchema,
  StringOrNumericIdSchema,
  WellFormedStringSchema,
  WireIdSchema,
  WireTimestampSchema,
} from '../../src/providers/wire-fields.js';
import { deriveWireGuard, wireGuard } from '../../src/providers/wire-guard.js';
import chatsFixture from '../fixtures/chats-v1-messages.json' with { type: 'json' };
import conversationsFixture from '../fixtures/okchat-conversations.page1.json' with {
  type: 'json',
};
import messagesFixture from '../fixtures/okchat-messages.page1.json' with { type: 'json' };

type WireRecord = Record<string, unknown>;

/** Both forms of every derived guard: compiled where the runtime allows it, and closures. */
const FORMS = [
  { form: 'compiled', derive: (schema: z.ZodType) => deriveWireGuard(schema) },
  { form: 'closures', derive: (schema: z.ZodType) => deriveWireGuard(schema, { compile: false }) },
] as const;

/** Fixtures of the vendors' own documents, by vendor and listing. */
const FIXTURES: Record<string, { conversations?: unknown[]; messages?: unknown[] }> = {
  okchat: { conversations: conversationsFixture.data, messages: messagesFixture.data },
  'chats-v1': { messages: chatsFixture.messages },
};

/** Real records of one listing: the vendor's documented examples and its emulator's data. */
function realRecords(entry: (typeof VENDORS)[number], kind: 'conversations' | 'messages') {
  const emulator = entry.emulate({ seed: 5 } as never) as unknown as {
    conversations?: () => readonly WireRecord[];
    chats?: () => readonly WireRecord[];
    messages(id: string): WireRecord[];
  };
  const conversations = (emulator.conversations ?? emulator.chats)?.call(emulator) ?? [];
  const emulated =
    kind === 'conversations'
      ? conversations
      : conversations.slice(0, 8).flatMap((record) => emulator.messages(String(record.id)));
  return [...((FIXTURES[entry.vendor.id]?.[kind] ?? []) as WireRecord[]), ...emulated];
}

/** A real record with one field replaced by any JSON value, removed, or wrapped in an array. */
function mutated(records: readonly WireRecord[]): fc.Arbitrary<unknown> {
  const keys = [...new Set(records.flatMap((record) => Object.keys(record))), 'extra'];
  const base = fc.constantFrom(...records);
  return fc.oneof(
    base,
    fc
      .tuple(base, fc.constantFrom(...keys), fc.jsonValue())
      .map(([record, key, value]) => ({ ...record, [key]: value })),
    fc.tuple(base, fc.constantFrom(...keys)).map(([record, key]) => {
      const copy = { ...record };
      delete copy[key];
      return copy;
    }),
    fc
      .tuple(base, fc.constantFrom(...keys), fc.jsonValue())
      .map(([record, key, value]) => ({ ...record, [key]: [value] })),
    fc.jsonValue(),
  );
}

const listings = VENDORS.flatMap((entry) =>
  (['conversations', 'messages'] as const).flatMap((kind) => {
    const listing = entry.vendor[kind];
    if (listing === undefined) return [];
    const records = realRecords(entry, kind);
    return [{ name: `${entry.vendor.id} ${kind}`, listing, records }];
  }),
);

describe('guards derived from the wire schemas (every registered vendor)', () => {
  it('covers every listing of every vendor', () => {
    expect(listings.map((listing) => listing.name)).toEqual(
      VENDORS.flatMap((entry) =>
        (['conversations', 'messages'] as const)
          .filter((kind) => entry.vendor[kind] !== undefined)
          .map((kind) => `${entry.vendor.id} ${kind}`),
      ),
    );
  });

  describe.each(FORMS)('$form', ({ derive }) => {
    it.each(listings)(
      '$name: a record the guard accepts, the schema accepts too',
      ({ listing, records }) => {
        const guard = derive(listing.record);
        fc.assert(
          fc.property(mutated(records), (record) => {
            if (guard(record)) expect(listing.record.safeParse(record).success).toBe(true);
          }),
          { numRuns: 300 },
        );
      },
    );

    it.each(listings)(
      '$name: the fast path and the schema path map to the same record',
      ({ listing, records }) => {
        const guard = derive(listing.record) as (value: unknown) => value is never;
        const context = { source: 'test', account: 'test', conversationId: 'c' };
        const schema = listing.record as z.ZodType<never>;
        const map = (wire: never, raw: unknown) =>
          listing.map(wire, raw, context, undefined as never);
        fc.assert(
          fc.property(mutated(records), (record) => {
            const slow = mapRecordWith(schema, record, map, undefined, (_): _ is never => false);
            const fast = mapRecordWith(schema, record, map, undefined, guard);
            expect(fast.ok).toBe(slow.ok);
            if (fast.ok && slow.ok) expect(fast.value).toEqual(slow.value);
          }),
          { numRuns: 300 },
        );
      },
    );

    it.each(listings)(
      '$name: every documented and emulated record is on the fast path',
      ({ listing, records }) => {
        const guard = derive(listing.record);
        expect(records.length).toBeGreaterThan(0);
        expect(records.filter((record) => !guard(record))).toEqual([]);
      },
    );
  });
});

/** Schemas of every construct the derivation reads, with values around their edges. */
const SCHEMAS: { name: string; schema: z.ZodType; values: fc.Arbitrary<unknown> }[] = [
  {
    name: 'WireIdSchema',
    schema: WireIdSchema,
    values: fc.oneof(
      fc.string(),
      fc.constantFrom('', '.', '..', '\uD800', 'a\uDC00b'),
      fc.jsonValue(),
    ),
  },
  {
    name: 'WellFormedStringSchema',
    schema: WellFormedStringSchema,
    values: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
  },
  {
    name: 'StringOrNumericIdSchema',
    schema: StringOrNumericIdSchema,
    values: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(2 ** 60), fc.jsonValue()),
  },
  {
    name: 'CountSchema',
    schema: CountSchema,
    values: fc.oneof(fc.integer(), fc.double(), fc.constantFrom('12', '-1', '1.5'), fc.jsonValue()),
  },
  { name: 'WireTimestampSchema', schema: WireTimestampSchema, values: fc.jsonValue() },
  {
    name: 'MetadataSchema',
    schema: MetadataSchema,
    values: fc.oneof(fc.jsonValue(), fc.constant(Object.create(null))),
  },
  {
    name: 'object of nullish fields',
    schema: z.object({
      a: z.string().min(2).max(4).nullish(),
      b: z.number().int().nonnegative().lt(10),
      c: z
        .array(z.enum(['x', 'y']))
        .length(2)
        .optional(),
      d: z.literal(true).nullable(),
      e: z.string().regex(/^\d+$/g).optional(),
    }),
    values: fc.oneof(
      fc.record(
        {
          a: fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null)),
          b: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double()),
          c: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
          d: fc.constantFrom(true, false, null),
          e: fc.oneof(fc.stringMatching(/^\d{1,3}$/), fc.string()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
  },
  {
    name: 'unknown and any fields, required and optional',
    schema: z.object({ a: z.unknown(), b: z.any(), c: z.unknown().optional() }),
    values: fc.oneof(
      fc.record(
        { a: fc.jsonValue(), b: fc.constant(undefined), c: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
  },
  {
    name: 'a transform, a default and a refinement with a when',
    schema: z.object({
      n: z.string().transform(Number),
      d: z.number().default(1),
      w: z.string().refine((text) => text !== 'no', { when: () => true }),
    }),
    values: fc.record({ n: fc.string(), d: fc.integer(), w: fc.string() }),
  },
];

describe('wireGuard on each zod construct it reads', () => {
  describe.each(FORMS)('$form', ({ derive }) => {
    it.each(SCHEMAS)(
      '$name: accepts only what the schema accepts unchanged',
      ({ schema, values }) => {
        const guard = derive(schema);
        fc.assert(
          fc.property(values, (value) => {
            if (!guard(value)) return;
            const parsed = schema.safeParse(value);
            expect(parsed.success).toBe(true);
            if (parsed.success && typeof value !== 'object') expect(parsed.data).toBe(value);
          }),
          { numRuns: 500 },
        );
      },
    );
  });

  it('both forms agree on every value', () => {
    for (const { schema, values } of SCHEMAS) {
      const compiled = deriveWireGuard(schema);
      const closures = deriveWireGuard(schema, { compile: false });
      fc.assert(
        fc.property(values, (value) => {
          expect(compiled(value)).toBe(closures(value));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('accepts plain strings and safe integers where the schema keeps them, and refuses what it converts', () => {
    expect(wireGuard(StringOrNumericIdSchema)('user-1')).toBe(true);
    // A number becomes a string: the schema's path gives the mapper the converted id.
    expect(wireGuard(StringOrNumericIdSchema)(12)).toBe(false);
    expect(wireGuard(CountSchema)(12)).toBe(true);
    expect(wireGuard(CountSchema)('12')).toBe(false);
    expect(wireGuard(WireIdSchema)('..')).toBe(false);
    expect(wireGuard(MetadataSchema)([])).toBe(false);
  });

  it('never finds a field on the prototype', () => {
    const schema = z.object({ constructor: z.unknown().refine((value) => value !== undefined) });
    for (const { derive } of FORMS) {
      const guard = derive(schema);
      expect(guard({})).toBe(false);
      expect(guard({ constructor: 1 })).toBe(true);
    }
  });
});
