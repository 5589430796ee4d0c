import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createOkChatSource,
  cursorStrategy,
  type ListingWarning,
  type OpaqueCursor,
  type PageWarning,
  paginate,
} from '../../src/index.js';
import { createOkChatEmulator } from '../../src/testing/index.js';
import { createFakeListing, makeItems } from '../helpers/fake-listing.js';

interface Item {
  id: string;
}

/**
 * A cursor listing of `pages` pages of two records; page `warnAt` says the vendor cut a
 * conversation short. Pages answer in reverse order of asking when several are in flight.
 */
function listing(pages: number, warnAt: number) {
  let requests = 0;
  const definition = {
    source: 'acme',
    strategy: cursorStrategy(),
    defaultPageSize: 2,
    async fetchPage(cursor: OpaqueCursor) {
      requests += 1;
      const index = cursor.cursor === null ? 0 : Number(cursor.cursor);
      const warnings: PageWarning[] =
        index === warnAt
          ? [
              {
                code: 'truncated',
                message: 'acme: conversation "c-1" has 734 parts; the API returned the 500 newest',
                conversationId: 'c-1',
                returned: 500,
                total: 734,
              },
            ]
          : [];
      return {
        records: [{ id: `r-${index}-a` }, { id: `r-${index}-b` }],
        info: { nextCursor: index + 1 < pages ? String(index + 1) : null },
        warnings,
      };
    },
    mapRecord: (record: unknown) => ({ ok: true as const, value: record as Item }),
    keyOf: (item: Item) => item.id,
  };
  return { definition, requests: () => requests };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('warnings a page carries', () => {
  it('are told to onWarning once, with the source and the cursor of their page', async () => {
    const { definition } = listing(4, 2);
    const warnings: ListingWarning[] = [];
    const items = await paginate(definition, {
      onWarning: (warning) => warnings.push(warning),
    }).toArray();
    expect(items).toHaveLength(8);
    expect(warnings).toEqual([
      {
        source: 'acme',
        code: 'truncated',
        message: 'acme: conversation "c-1" has 734 parts; the API returned the 500 newest',
        conversationId: 'c-1',
        returned: 500,
        total: 734,
        cursor: { cursor: '2', limit: 2 },
      },
    ]);
  });

  it('are told once per page when pages are prefetched and re-read to repair drift', async () => {
    const items = makeItems(30);
    // A record inserted at the front after the first answer: later pages slip by one, and the
    // engine re-reads pages to repair the boundary.
    const fake = createFakeListing({
      kind: 'offset',
      count: 30,
      recordsAt: (start, size) =>
        start === 0 ? items.slice(0, size) : items.slice(start - 1, start - 1 + size),
      hasMore: (_truth, start) => start < 30,
    });
    const definition = {
      ...fake.definition,
      async fetchPage(
        cursor: Parameters<typeof fake.definition.fetchPage>[0],
        context: { signal: AbortSignal },
      ) {
        const page = await fake.definition.fetchPage(cursor, context);
        const warning: PageWarning = {
          code: 'truncated',
          message: `page at ${String(cursor.offset)}`,
          conversationId: `at-${String(cursor.offset)}`,
          returned: page.records.length,
          total: 30,
        };
        return { ...page, warnings: [warning] };
      },
    };
    const warnings: ListingWarning[] = [];
    const listed = await paginate(definition, {
      pageSize: 10,
      concurrency: 4,
      onWarning: (warning) => warnings.push(warning),
    }).toArray();
    expect(listed.map((item) => item.id)).toEqual(items.map((item) => item.id));
    const offsets = fake.requests.map((cursor) => String(cursor.offset));
    expect(new Set(offsets).size).toBeLessThan(offsets.length); // some page was read again
    const told = warnings.map((warning) =>
      warning.code === 'truncated' ? warning.conversationId : '',
    );
    expect(new Set(told).size).toBe(told.length);
    expect(told.length).toBeGreaterThan(0);
  });

  it('are not told for a page the listing never reached', async () => {
    const { definition } = listing(4, 3);
    const warnings: ListingWarning[] = [];
    const items = await paginate(definition, {
      maxItems: 4,
      onWarning: (warning) => warnings.push(warning),
    }).toArray();
    expect(items).toHaveLength(4);
    expect(warnings).toEqual([]);
  });

  it('without a handler, are written once with console.warn, and the listing completes', async () => {
    const written = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { definition } = listing(3, 1);
    expect(await paginate(definition).toArray()).toHaveLength(6);
    expect(written).toHaveBeenCalledTimes(1);
    expect(written.mock.calls[0]?.[0]).toBe(
      'chat-history-kit warning (truncated): acme: conversation "c-1" has 734 parts; the API returned the 500 newest',
    );
  });
});

describe('drift a listing could not repair, without a handler', () => {
  it('is written with console.warn instead of passing silently', async () => {
    const written = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const emulator = createOkChatEmulator({
      conversations: 60,
      live: { listings: ['conversations'], changes: ['delete', 'insert'], rate: 1 },
    });
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
    });
    await source.listConversations({ pageSize: 5, concurrency: 4 }).toArray();
    expect(written).toHaveBeenCalled();
    for (const [line] of written.mock.calls) {
      expect(line).toMatch(/^chat-history-kit warning \(drift_unrepaired\): okchat: /);
    }
  });
});
