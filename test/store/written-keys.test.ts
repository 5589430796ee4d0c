import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextFilter, textPrefix } from '../../src/store/written-keys.js';

describe('TextFilter', () => {
  it('answers "maybe" for every text added, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 200 }), (texts) => {
        const filter = new TextFilter();
        for (const text of texts) filter.add(text);
        return texts.every((text) => filter.mayHave(text));
      }),
    );
  });

  it('takes a text after a prefix as the two joined, either way round', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), {
          maxLength: 100,
        }),
        fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), {
          maxLength: 100,
        }),
        (added, others) => {
          const joined = new TextFilter();
          const prefixed = new TextFilter();
          for (const [prefix, text] of added) {
            joined.add(prefix + text);
            prefixed.add(text, textPrefix(prefix));
          }
          return [...added, ...others].every(
            ([prefix, text]) =>
              prefixed.mayHave(prefix + text) === joined.mayHave(prefix + text) &&
              joined.mayHave(text, textPrefix(prefix)) === joined.mayHave(prefix + text),
          );
        },
      ),
    );
  });

  it('keeps every text past its first blocks, and answers "maybe" for few others', () => {
    const filter = new TextFilter();
    const added = 400_000;
    // Three blocks (65,536 keys, then twice as many each time): the last one partly filled.
    for (let index = 0; index < added; index++) filter.add(`msg-${index.toString(36)}`);
    let missed = 0;
    for (let index = 0; index < added; index++) {
      if (!filter.mayHave(`msg-${index.toString(36)}`)) missed += 1;
    }
    expect(missed).toBe(0);
    let maybe = 0;
    for (let index = 0; index < added; index++) {
      if (filter.mayHave(`other-${index.toString(36)}`)) maybe += 1;
    }
    // About 2 in a million a full block: a handful at most over three blocks.
    expect(maybe).toBeLessThan(10);
  });

  it('says a text it never saw is new while it is empty', () => {
    expect(new TextFilter().mayHave('')).toBe(false);
  });
});
