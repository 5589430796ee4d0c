import { describe, expect, it } from 'vitest';
import { jsonPayloads } from '../../src/store/sql-store.js';
import type { SqlDialect } from '../../src/store/store-schema.js';

function dialect(jsonLayout: SqlDialect['jsonLayout'], nestedAsText = false): SqlDialect {
  return {
    json: 'JSON',
    noNul: false,
    jsonLayout,
    nestedAsText,
    indexesMessages: true,
    longText: '',
    inList: () => '',
    jsonRows: () => '',
  };
}

const fields = [
  { name: 'id', json: false },
  { name: 'raw', json: true },
];

/** Records of very different sizes, one far over the limit on its own. */
const records = Array.from({ length: 40 }, (_, index) => ({
  id: `m-${index}`,
  raw: { text: 'x'.repeat(index === 7 ? 5000 : (index * 37) % 400) },
}));

describe('jsonPayloads', () => {
  for (const [layout, nestedAsText] of [
    ['rows', false],
    ['columns', false],
    ['rows', true],
    ['columns', true],
  ] as const) {
    it(`splits a batch into parameters under the limit, every record once and in order (${layout}${nestedAsText ? ', nested values as text' : ''})`, () => {
      const payloads = [...jsonPayloads(records, fields, dialect(layout, nestedAsText), 2000)];
      expect(payloads.length).toBeGreaterThan(3);
      const rows: unknown[] = [];
      for (const json of payloads) {
        const parsed = JSON.parse(json) as
          | { id: string; raw: unknown }[]
          | { id: string[]; raw: unknown[] };
        const slice = Array.isArray(parsed)
          ? parsed
          : parsed.id.map((id, index) => ({ id, raw: parsed.raw[index] }));
        // Over the limit only when it holds a single record.
        if (json.length > 2000) expect(slice).toHaveLength(1);
        for (const row of slice) {
          // As text, a nested value is exactly JavaScript's JSON of it.
          if (nestedAsText) expect(row.raw).toBeTypeOf('string');
          rows.push(nestedAsText ? { ...row, raw: JSON.parse(String(row.raw)) } : row);
        }
      }
      expect(rows).toEqual(records);
    });
  }

  it('sends a batch that fits as one parameter', () => {
    expect([...jsonPayloads(records, fields, dialect('rows'))]).toHaveLength(1);
    expect([...jsonPayloads([], fields, dialect('rows'))]).toEqual([]);
  });
});
