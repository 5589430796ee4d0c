import { describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  type CursorInfo,
  cursorStrategy,
  type InvalidRecord,
  type ListingWarning,
  type OpaqueCursor,
  type Page,
  type PageCursor,
  paginate,
} from '../../src/index.js';
import { MAX_EMPTY_PAGES } from '../../src/paginate/paginate.js';
import { caught } from '../helpers/caught.js';
import {
  createFakeListing,
  type Item,
  type Kind,
  makeItems,
  serverError,
} from '../helpers/fake-listing.js';

const ids = (items: readonly Item[]) => items.map((item) => item.id);
const kinds: Kind[] = ['page', 'offset', 'cursor'];

async function collectPages<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const result: Page<T>[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

describe('paginate: sequential listings', () => {
  it.each(kinds)('%s: yields every record once, in order, one request per page', async (kind) => {
    const listing = createFakeListing({ kind, count: 95 });
    const items = await paginate(listing.definition, { pageSize: 10 }).toArray();
    expect(ids(items)).toEqual(ids(listing.items));
    expect(listing.requests).toHaveLength(10);
    expect(listing.maxInFlight).toBe(1);
  });

  it('is lazy: nothing is requested before iteration, and each iteration starts afresh', async () => {
    const listing = createFakeListing({ kind: 'page', count: 25 });
    const paginated = paginate(listing.definition, { pageSize: 10 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(listing.requests).toHaveLength(0);
    expect(await paginated.toArray()).toHaveLength(25);
    expect(await paginated.toArray()).toHaveLength(25);
    expect(listing.requests).toHaveLength(6);
  });

  it('pages() gives each page with the cursor of the next and the reported total', async () => {
    const listing = createFakeListing({ kind: 'page', count: 25 });
    const pages = await collectPages(paginate(listing.definition, { pageSize: 10 }).pages());
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.next)).toEqual([
      { page: 2, limit: 10 },
      { page: 3, limit: 10 },
      null,
    ]);
    expect(pages.every((page) => page.total === 25)).toBe(true);
  });

  it('an empty listing yields one empty page and no items', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 0 });
    const pages = await collectPages(paginate(listing.definition).pages());
    expect(pages).toEqual([{ items: [], next: null, total: 0 }]);
    expect(listing.requests).toHaveLength(1);
  });

  it.each(['page', 'offset'] as const)(
    '%s: a server that clamps the page size is followed to the end, not stopped at a short page',
    async (kind) => {
      const listing = createFakeListing({ kind, count: 95, clamp: 20 });
      const items = await paginate(listing.definition, { pageSize: 50 }).toArray();
      expect(ids(items)).toEqual(ids(listing.items));
      expect(listing.requests).toHaveLength(5);
    },
  );

  it('offset: one request when has_more is false even though total overstates (seed example)', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 4, reportedTotal: 15 });
    const items = await paginate(listing.definition, { pageSize: 50, concurrency: 4 }).toArray();
    expect(items).toHaveLength(4);
    expect(listing.requests).toEqual([{ offset: 0, limit: 50 }]);
  });

  it('offset: follows has_more past a total that understates', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 95, reportedTotal: 30 });
    const items = await paginate(listing.definition, { pageSize: 10, concurrency: 4 }).toArray();
    expect(ids(items)).toEqual(ids(listing.items));
  });
});

describe('paginate: pages in flight', () => {
  it.each([2, 4, 8])(
    'page numbers at concurrency %i: in order though later pages answer first',
    async (concurrency) => {
      // Each request answers faster than the one before: completion order is reversed.
      const listing = createFakeListing({
        kind: 'page',
        count: 200,
        latency: (request) => Math.max(1, 40 - request * 2),
      });
      const items = await paginate(listing.definition, { pageSize: 10, concurrency }).toArray();
      expect(ids(items)).toEqual(ids(listing.items));
      expect(listing.requests).toHaveLength(20);
      expect(listing.maxInFlight).toBe(concurrency);
    },
  );

  it('never holds more than `concurrency` pages, even when the caller is slow', async () => {
    const listing = createFakeListing({ kind: 'page', count: 100 });
    let maxAhead = 0;
    let consumedPages = 0;
    for await (const page of paginate(listing.definition, {
      pageSize: 10,
      concurrency: 3,
    }).pages()) {
      consumedPages += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      maxAhead = Math.max(maxAhead, listing.requests.length - consumedPages);
      expect(page.items.length).toBe(10);
    }
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it('offset: a total that overstates wastes at most concurrency - 1 requests', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 95, reportedTotal: 400 });
    const items = await paginate(listing.definition, { pageSize: 10, concurrency: 4 }).toArray();
    expect(ids(items)).toEqual(ids(listing.items));
    expect(listing.requests.length).toBeLessThanOrEqual(10 + 3);
    expect(listing.maxInFlight).toBe(4);
  });

  it('offset: a short page in the middle drops the predictions and follows the true offsets', async () => {
    const items = makeItems(60);
    // The server returns only 7 records at offset 20 (a record vanished): predictions made
    // with a stride of 10 are wrong from there and must not leave a gap.
    const listing = createFakeListing({
      kind: 'offset',
      count: 60,
      recordsAt: (start, size) => items.slice(start, start + (start === 20 ? 7 : size)),
    });
    const result = await paginate(listing.definition, { pageSize: 10, concurrency: 4 }).toArray();
    expect(ids(result)).toEqual(ids(items));
    expect(listing.requests).toContainEqual({ offset: 27, limit: 10 });
    expect(listing.cancelled).toBeGreaterThan(0);
  });

  it('cursor listings fetch one page after another whatever concurrency says', async () => {
    const listing = createFakeListing({ kind: 'cursor', count: 50, latency: () => 2 });
    const items = await paginate(listing.definition, { pageSize: 10, concurrency: 8 }).toArray();
    expect(items).toHaveLength(50);
    expect(listing.maxInFlight).toBe(1);
  });
});

describe('paginate: vendors that misbehave', () => {
  it('an empty page ends the listing even when the envelope says there is more', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 25, hasMore: () => true });
    const items = await paginate(listing.definition, { pageSize: 10 }).toArray();
    expect(ids(items)).toEqual(ids(listing.items));
    expect(listing.requests).toHaveLength(4);
  });

  it('records repeated across a page boundary are yielded once', async () => {
    const items = makeItems(30);
    // A record was inserted at the head after the first page: every later page starts with the
    // last record of the page before.
    const listing = createFakeListing({
      kind: 'offset',
      count: 30,
      recordsAt: (start, size) =>
        start === 0 ? items.slice(0, size) : items.slice(start - 1, start - 1 + size),
      hasMore: (_truth, start) => start < 30,
    });
    const result = await paginate(listing.definition, { pageSize: 10 }).toArray();
    expect(ids(result)).toEqual(ids(items));
  });

  it('a vendor that keeps sending the same page is stopped with invalid_response, no duplicates', async () => {
    const items = makeItems(10);
    const listing = createFakeListing({
      kind: 'offset',
      count: 10_000,
      recordsAt: () => items,
      hasMore: () => true,
    });
    const seen: Item[] = [];
    const error = await caught(
      (async () => {
        for await (const item of paginate(listing.definition, { pageSize: 10 })) seen.push(item);
      })(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/not advancing/);
    expect(ids(seen)).toEqual(ids(items));
    expect(listing.requests.length).toBe(4);
  });

  it('a cursor seen before ends the listing instead of looping', async () => {
    const items = makeItems(30);
    const listing = createFakeListing({ kind: 'cursor', count: 30 });
    const definition = {
      ...listing.definition,
      // After the third page the vendor points back to the second.
      fetchPage: async (cursor: PageCursor, context: { signal: AbortSignal }) => {
        const page = await listing.definition.fetchPage(cursor, context);
        const info = page.info as { nextCursor: string | null };
        return cursor.cursor === 'c-20'
          ? { ...page, info: { nextCursor: 'c-10' } }
          : { ...page, info };
      },
    };
    const warnings: ListingWarning[] = [];
    const result = await paginate(definition, {
      pageSize: 10,
      onWarning: (warning) => warnings.push(warning),
    }).toArray();
    expect(ids(result)).toEqual(ids(items));
    expect(listing.requests).toHaveLength(3);
    // Told, so that nothing is taken as complete from it (a sync marks nothing deleted).
    expect(warnings.map((warning) => [warning.code, warning.cursor])).toEqual([
      ['cursor_repeated', { cursor: 'c-20', limit: 10 }],
    ]);
  });
});

describe('paginate: stopping early', () => {
  it('break cancels requests in flight and sends no new one', async () => {
    const listing = createFakeListing({ kind: 'page', count: 200, latency: () => 20 });
    for await (const item of paginate(listing.definition, { pageSize: 10, concurrency: 4 })) {
      expect(item.n).toBe(0);
      break;
    }
    const sent = listing.requests.length;
    expect(listing.cancelled).toBe(sent - 1);
    expect(listing.inFlight).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(listing.requests.length).toBe(sent);
  });

  it('maxItems cuts the last page and its next cursor resumes exactly after it', async () => {
    const listing = createFakeListing({ kind: 'page', count: 95 });
    const pages = await collectPages(
      paginate(listing.definition, { pageSize: 10, maxItems: 25 }).pages(),
    );
    const first = pages.flatMap((page) => page.items);
    expect(ids(first)).toEqual(ids(listing.items.slice(0, 25)));
    expect(listing.requests).toHaveLength(3);
    const resumeAt = pages.at(-1)?.next;
    expect(resumeAt).toEqual({ page: 3, limit: 10, skip: 5 });
    const rest = await paginate(listing.definition, { startAt: resumeAt ?? {} }).toArray();
    expect(ids([...first, ...rest])).toEqual(ids(listing.items));
  });

  it('maxItems: 0 sends no request', async () => {
    const listing = createFakeListing({ kind: 'page', count: 10 });
    expect(await paginate(listing.definition, { maxItems: 0 }).toArray()).toEqual([]);
    expect(listing.requests).toHaveLength(0);
  });

  it('take() and first() stop after the items asked for', async () => {
    const listing = createFakeListing({ kind: 'offset', count: 95 });
    const paginated = paginate(listing.definition, { pageSize: 10, concurrency: 4 });
    expect(ids(await paginated.take(12).toArray())).toEqual(ids(listing.items.slice(0, 12)));
    expect((await paginated.first())?.id).toBe('item-000000');
    expect(await paginate(createFakeListing({ kind: 'page', count: 0 }).definition).first()).toBe(
      undefined,
    );
  });

  it('an aborted signal cancels the request in flight and throws code aborted', async () => {
    const listing = createFakeListing({
      kind: 'page',
      count: 100,
      latency: (request) => (request === 0 ? 0 : 10_000),
    });
    const controller = new AbortController();
    const seen: Item[] = [];
    const started = Date.now();
    const error = await caught(
      (async () => {
        for await (const item of paginate(listing.definition, {
          pageSize: 10,
          signal: controller.signal,
        })) {
          seen.push(item);
          if (seen.length === 10) setTimeout(() => controller.abort(), 5);
        }
      })(),
    );
    expect(error.code).toBe('aborted');
    expect(error.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen).toHaveLength(10);
    expect(listing.requests).toHaveLength(2);
    expect(listing.cancelled).toBe(1);
  });

  it('a signal aborted before iteration sends nothing', async () => {
    const listing = createFakeListing({ kind: 'page', count: 10 });
    const error = await caught(
      paginate(listing.definition, { signal: AbortSignal.abort() }).toArray(),
    );
    expect(error.code).toBe('aborted');
    expect(listing.requests).toHaveLength(0);
  });
});

describe('paginate: failures and resuming', () => {
  it('a failed page carries its cursor, and startAt resumes from it without loss', async () => {
    const listing = createFakeListing({
      kind: 'offset',
      count: 95,
      fail: (request) => (request === 3 ? serverError() : undefined),
    });
    const seen: Item[] = [];
    const error = await caught(
      (async () => {
        for await (const item of paginate(listing.definition, { pageSize: 10 })) seen.push(item);
      })(),
    );
    expect(error.code).toBe('server_error');
    expect(error.cursor).toEqual({ offset: 30, limit: 10 });
    expect(seen).toHaveLength(30);
    const rest = await paginate(listing.definition, { startAt: error.cursor ?? {} }).toArray();
    expect(ids([...seen, ...rest])).toEqual(ids(listing.items));
  });

  it('a failure in a page fetched ahead surfaces only after the pages before it', async () => {
    const listing = createFakeListing({
      kind: 'page',
      count: 100,
      latency: (request) => (request === 5 ? 0 : 15),
      fail: (request) => (request === 5 ? serverError(502) : undefined),
    });
    const seen: Item[] = [];
    const error = await caught(
      (async () => {
        for await (const item of paginate(listing.definition, { pageSize: 10, concurrency: 4 })) {
          seen.push(item);
        }
      })(),
    );
    expect(error.status).toBe(502);
    expect(ids(seen)).toEqual(ids(listing.items.slice(0, 50)));
    expect(error.cursor).toEqual({ page: 6, limit: 10 });
  });

  it('a cursor keeps the page size it was made with', async () => {
    const listing = createFakeListing({ kind: 'page', count: 40 });
    const items = await paginate(listing.definition, {
      pageSize: 25,
      startAt: { page: 2, limit: 10 },
    }).toArray();
    expect(ids(items)).toEqual(ids(listing.items.slice(10)));
    expect(listing.requests[0]).toEqual({ page: 2, limit: 10 });
  });
});

describe('paginate: invalid records', () => {
  const withBadRecord = () =>
    createFakeListing({
      kind: 'page',
      count: 30,
      alter: (records, cursor) =>
        cursor.page === 2
          ? records.map((record, index) =>
              index === 3 ? { ...(record as Item), n: 'three' } : record,
            )
          : records,
    });

  it('without a handler, throws invalid_response naming the record and the path', async () => {
    const listing = withBadRecord();
    const error = await caught(paginate(listing.definition, { pageSize: 10 }).toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('"item-000013"');
    expect(error.message).toContain('at n');
    expect(error.cursor).toEqual({ page: 2, limit: 10 });
  });

  it('with onInvalidRecord, reports the raw record and issues and goes on', async () => {
    const listing = withBadRecord();
    const reports: InvalidRecord[] = [];
    const items = await paginate(listing.definition, {
      pageSize: 10,
      onInvalidRecord: (report) => reports.push(report),
    }).toArray();
    expect(items).toHaveLength(29);
    expect(items.some((item) => item.id === 'item-000013')).toBe(false);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      source: 'fake',
      raw: { id: 'item-000013', n: 'three' },
      index: 3,
      id: 'item-000013',
      cursor: { page: 2, limit: 10 },
    });
    expect(reports[0]?.issues[0]?.path).toEqual(['n']);
  });

  it('a mapper that throws counts as an invalid record, not a crash', async () => {
    const listing = createFakeListing({ kind: 'page', count: 5 });
    const definition = {
      ...listing.definition,
      mapRecord: (
        record: unknown,
        index: number,
        page: Parameters<typeof listing.definition.mapRecord>[2],
      ) => {
        if (index === 2) throw new TypeError('cannot read properties of null');
        return listing.definition.mapRecord(record, index, page);
      },
    };
    const reports: InvalidRecord[] = [];
    const items = await paginate(definition, { onInvalidRecord: (r) => reports.push(r) }).toArray();
    expect(items).toHaveLength(4);
    expect(reports[0]?.issues[0]?.message).toBe('cannot read properties of null');
  });
});

describe('paginate: options are checked at the call', () => {
  const listing = createFakeListing({ kind: 'page', count: 10 });
  it.each([
    [{ pageSize: 0 }, /pageSize/],
    [{ pageSize: -5 }, /pageSize/],
    [{ pageSize: 2.5 }, /pageSize/],
    [{ pageSize: 5000 }, /pageSize must be a whole number from 1 to 1000/],
    [{ concurrency: 0 }, /concurrency/],
    [{ concurrency: 65 }, /concurrency/],
    [{ maxItems: -1 }, /maxItems/],
    [{ startAt: { page: 'two', limit: 10 } }, /startAt is not a cursor/],
    [{ startAt: { offset: 10, limit: 10 } }, /startAt is not a cursor/],
    [{ startAt: { page: 2, limit: 10, skip: -1 } }, /startAt is not a cursor/],
  ])('rejects %j', (options, message) => {
    let thrown: unknown;
    try {
      paginate(listing.definition, options);
    } catch (error) {
      thrown = error;
    }
    expect(ChatHistoryError.is(thrown)).toBe(true);
    expect((thrown as ChatHistoryError).code).toBe('bad_request');
    expect((thrown as ChatHistoryError).message).toMatch(message);
    expect(listing.requests).toHaveLength(0);
  });
});

describe('cursor listings and empty pages', () => {
  /** A cursor listing served from `pages`: each entry's records, and the token it names next. */
  function cursorListing(pages: { ids: string[]; next: string | null }[]) {
    const requested: (string | null)[] = [];
    const warnings: ListingWarning[] = [];
    const listing = paginate<OpaqueCursor, CursorInfo, string>(
      {
        source: 'test',
        strategy: cursorStrategy(),
        defaultPageSize: 10,
        async fetchPage(cursor) {
          requested.push(cursor.cursor);
          const index = cursor.cursor === null ? 0 : Number(cursor.cursor.slice(1));
          const page = pages[index] ?? { ids: [], next: null };
          return { records: page.ids, info: { nextCursor: page.next } };
        },
        mapRecord: (record) => ({ ok: true, value: String(record) }),
        keyOf: (id) => id,
      },
      { onWarning: (warning) => warnings.push(warning) },
    );
    return { listing, requested, warnings };
  }

  it('follows a new cursor past empty pages, as a filtered search needs', async () => {
    const { listing, requested } = cursorListing([
      { ids: ['a', 'b'], next: 't1' },
      { ids: [], next: 't2' },
      { ids: [], next: 't3' },
      { ids: ['c'], next: null },
    ]);
    expect(await listing.toArray()).toEqual(['a', 'b', 'c']);
    expect(requested).toEqual([null, 't1', 't2', 't3']);
  });

  it('an empty page without a next cursor ends the listing', async () => {
    const { listing, requested } = cursorListing([
      { ids: ['a'], next: 't1' },
      { ids: [], next: null },
    ]);
    expect(await listing.toArray()).toEqual(['a']);
    expect(requested).toHaveLength(2);
  });

  it('an empty page naming a cursor seen before ends the listing (no loop)', async () => {
    const { listing, requested, warnings } = cursorListing([
      { ids: ['a'], next: 't1' },
      { ids: [], next: 't1' },
    ]);
    expect(await listing.toArray()).toEqual(['a']);
    expect(requested).toEqual([null, 't1']);
    expect(warnings.map((warning) => warning.code)).toEqual(['cursor_repeated']);
  });

  it(`more than ${MAX_EMPTY_PAGES} empty pages in a row, each naming another, is a vendor not advancing`, async () => {
    const pages = [
      { ids: ['a'], next: 't1' },
      ...Array.from({ length: 100 }, (_, index) => ({ ids: [], next: `t${index + 2}` })),
    ];
    const { listing, requested } = cursorListing(pages);
    const error = await caught(listing.toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(`${MAX_EMPTY_PAGES + 1} empty pages in a row`);
    expect(requested).toHaveLength(MAX_EMPTY_PAGES + 2);
  });

  it('page-number and offset listings still end at an empty page, whatever the envelope says', async () => {
    for (const kind of ['page', 'offset'] as const) {
      const fake = createFakeListing({
        kind,
        count: 30,
        recordsAt: (start, size) => (start >= 10 ? [] : makeItems(30).slice(start, start + size)),
        hasMore: () => true,
      });
      const items = await paginate(fake.definition, { pageSize: 10 }).toArray();
      expect(items).toHaveLength(10);
      expect(fake.requests).toHaveLength(2);
    }
  });
});
