import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasNoLoneSurrogate, isWellFormedText } from '../../src/text/safe-text.js';

/** Strings built from UTF-16 code units, lone surrogates and pairs in any order included. */
const codeUnits = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0xd800, max: 0xdbff }),
      fc.integer({ min: 0xdc00, max: 0xdfff }),
      fc.integer({ min: 0x80, max: 0xffff }),
    ),
    { maxLength: 12 },
  )
  .map((units) => String.fromCharCode(...units));

/** The runtime's own check (ES2024; Node 20 has it). */
const nativeWellFormed = (text: string) =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

describe('well-formed text', () => {
  it('the pattern fallback agrees with String.prototype.isWellFormed', () => {
    fc.assert(
      fc.property(codeUnits, (text) => {
        expect(hasNoLoneSurrogate(text)).toBe(nativeWellFormed(text));
        expect(isWellFormedText(text)).toBe(nativeWellFormed(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['plain', 'abc', true],
    ['a pair', '\ud83d\ude00', true],
    ['a lone high half', 'a\ud83db', false],
    ['a lone low half', 'a\ude00b', false],
    ['halves in the wrong order', '\ude00\ud83d', false],
  ])('%s', (_, text, expected) => {
    expect(hasNoLoneSurrogate(text)).toBe(expected);
    expect(isWellFormedText(text)).toBe(expected);
  });
});
