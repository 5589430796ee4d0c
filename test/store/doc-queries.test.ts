import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { syncHistory } from '../../src/sync/sync-history.js';
import { serveVendors } from '../helpers/sandbox-sources.js';
import { freshStoreUrl, queryStore, STORE_KINDS, type TestStoreKind } from '../helpers/stores.js';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/store.md'), 'utf8');

/** The statements of the doc's example queries, each named by the comment above it. */
function exampleQueries(): { title: string; sql: string }[] {
  const section = DOC.slice(DOC.indexOf('### Example queries'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  // A statement ends with `;` at the end of a line (a comment may hold one within).
  return block
    .split(/;$/m)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const lines = part.split('\n');
      const comments = lines.filter((line) => line.startsWith('--'));
      return {
        title: comments.map((line) => line.slice(2).trim()).join(' '),
        sql: lines.filter((line) => !line.startsWith('--')).join('\n'),
      };
    });
}

/** What the doc tells a PostgreSQL user to write instead. */
function forPostgres(sql: string): string {
  return sql
    .replace('INTERVAL 30 DAY', "INTERVAL '30 days'")
    .replace('INTERVAL 1 DAY', "INTERVAL '1 day'");
}

const count = (value: unknown) => Number(value);

describe.each(STORE_KINDS)('the example queries of docs/store.md, on %s', (kind: TestStoreKind) => {
  it('run as written and answer what their titles say, after a sync that found a message gone', async () => {
    const { vendors, close } = await serveVendors(() => ({ live: { rate: 0 } }));
    try {
      const url = await freshStoreUrl(kind);
      const sync = async (full: boolean) => {
        const store = await openStore(url);
        try {
          return await syncHistory({
            sources: vendors.map((vendor) => vendor.source),
            store,
            full,
          });
        } finally {
          await store.close();
        }
      };
      await sync(false);
      const okchat = vendors.find((vendor) => vendor.id === 'okchat');
      const conversation = okchat?.emulator.conversations()[0];
      expect(conversation).toBeDefined();
      okchat?.emulator.change('delete', String(conversation?.id));
      const report = await sync(true);
      expect(report.messages.deleted).toBe(1);

      const run = (sql: string) => queryStore(url, kind === 'postgres' ? forPostgres(sql) : sql);
      const [totals] = await run(
        `SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live,
                count(*) FILTER (WHERE deleted_at IS NOT NULL) AS gone FROM messages`,
      );
      const answers = new Map<string, Record<string, unknown>[]>();
      for (const { title, sql } of exampleQueries()) answers.set(title, await run(sql));
      expect([...answers.keys()]).toEqual([
        'Messages per vendor account, deleted ones apart',
        'One conversation, oldest message first',
        "Tokens used per model last month (PostgreSQL: usage->>'totalTokens'; DuckDB: the same)",
        'Conversations a human took over, with their message counts',
        'What the last sync saw (every row it listed or read gets its synced_at, changed or not)',
        'Messages found gone in the last day',
      ]);

      const perAccount = answers.get('Messages per vendor account, deleted ones apart') ?? [];
      expect(perAccount.map((row) => row.source).sort()).toEqual(
        vendors.map((vendor) => vendor.id).sort(),
      );
      expect(perAccount.reduce((sum, row) => sum + count(row.messages), 0)).toBe(
        count(totals?.live),
      );
      expect(perAccount.find((row) => row.source === 'okchat')?.deleted).toEqual(
        kind === 'postgres' ? '1' : 1n,
      );
      // The last sync read everything again: it saw every message the vendors still have.
      const seen = answers.get(
        'What the last sync saw (every row it listed or read gets its synced_at, changed or not)',
      );
      // `count(*)` is named `count` by PostgreSQL, `count_star()` by DuckDB.
      const counted = (row: Record<string, unknown>) => count(Object.values(row).at(-1));
      expect(seen?.reduce((sum, row) => sum + counted(row), 0)).toBe(count(totals?.live));
      const gone = answers.get('Messages found gone in the last day') ?? [];
      expect(gone.map((row) => [row.source, row.conversation_id])).toEqual([
        ['okchat', String(conversation?.id)],
      ]);
      expect(count(totals?.gone)).toBe(1);
    } finally {
      await close();
    }
  });
});
