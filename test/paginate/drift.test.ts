import { describe, expect, it } from 'vitest';
import {
  type Conversation,
  createOkChatSource,
  exportHistory,
  type InvalidRecord,
  type ListingWarning,
  type Page,
  paginate,
} from '../../src/index.js';
import { createOkChatEmulator, type OkChatEmulator } from '../../src/testing/index.js';
import { createFakeListing } from '../helpers/fake-listing.js';

/** An OkChat source reading `emulator` in process. */
function sourceOf(emulator: OkChatEmulator) {
  return createOkChatSource({
    apiKey: emulator.apiKey,
    chatbotId: emulator.chatbotId,
    baseURL: 'https://okchat.test',
    fetch: emulator.fetch,
  });
}

/** The fifth record of every page is invalid; the rest are fine. */
const withInvalidFifth = (records: unknown[]) =>
  records.map((record, index) =>
    index === 4 ? { ...(record as object), n: 'not a number' } : record,
  );

describe('drift handling changes nothing for a listing whose data stands still', () => {
  it('first() returns the first record even when a later record of its page is invalid', async () => {
    const fake = createFakeListing({ kind: 'page', count: 10, alter: withInvalidFifth });
    const first = await paginate(fake.definition, { pageSize: 5 }).first();
    expect(first?.id).toBe('item-000000');
  });

  it('an invalid record is reported where the listing reads it, each time it is met', async () => {
    const fake = createFakeListing({
      kind: 'page',
      count: 9,
      // The same invalid id on every page.
      alter: (records) => [{ id: 'dup', n: 'x' }, ...records.slice(1)],
    });
    const reports: InvalidRecord[] = [];
    await paginate(fake.definition, {
      pageSize: 3,
      onInvalidRecord: (report) => reports.push(report),
    }).toArray();
    expect(reports.map((report) => [report.id, report.cursor])).toEqual([
      ['dup', { page: 1, limit: 3 }],
      ['dup', { page: 2, limit: 3 }],
      ['dup', { page: 3, limit: 3 }],
    ]);
  });

  it('take(n) then resume reports an invalid record past the cut once, in the run that reads it', async () => {
    const fake = createFakeListing({ kind: 'page', count: 10, alter: withInvalidFifth });
    const reports: InvalidRecord[] = [];
    const onInvalidRecord = (report: InvalidRecord) => reports.push(report);
    const pages = paginate(fake.definition, { pageSize: 5, onInvalidRecord }).take(2).pages();
    const first = await pages.next();
    expect(reports).toEqual([]);
    const startAt = first.value?.next ?? undefined;
    expect(startAt).toEqual({ page: 1, limit: 5, skip: 2 });
    await paginate(fake.definition, { pageSize: 5, onInvalidRecord, startAt }).toArray();
    // Page 1's invalid record once, from the resumed run; page 2 has one of its own.
    expect(reports.map((report) => [report.index, report.cursor])).toEqual([
      [4, { page: 1, limit: 5, skip: 2 }],
      [4, { page: 2, limit: 5 }],
    ]);
  });

  it.each(['page', 'offset'] as const)(
    'a %s vendor that gives its total on the first page only makes no extra request',
    async (kind) => {
      const withTotal = createFakeListing({ kind, count: 50 });
      await paginate(withTotal.definition, { pageSize: 10 }).toArray();
      const firstOnly = createFakeListing({ kind, count: 50 });
      const definition = {
        ...firstOnly.definition,
        fetchPage: async (...args: Parameters<typeof firstOnly.definition.fetchPage>) => {
          const page = await firstOnly.definition.fetchPage(...args);
          return firstOnly.requests.length === 1 ? page : { ...page, total: undefined };
        },
      };
      const items = await paginate(definition, { pageSize: 10 }).toArray();
      expect(items).toHaveLength(50);
      expect(firstOnly.requests).toEqual(withTotal.requests);
    },
  );
});

describe('data that changes past what a listing can repair', () => {
  it('is told through onWarning, never silently', async () => {
    // A change after every single answer, repairs included: no boundary can be checked.
    const emulator = createOkChatEmulator({
      conversations: 60,
      live: { listings: ['conversations'], changes: ['delete', 'insert'], rate: 1 },
    });
    const source = sourceOf(emulator);
    const warnings: ListingWarning[] = [];
    await source
      .listConversations({
        pageSize: 5,
        concurrency: 4,
        onWarning: (warning) => warnings.push(warning),
      })
      .toArray();
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ source: 'okchat', code: 'drift_unrepaired' });
    expect(warnings[0]?.message).toContain('list again to be sure');
  });

  it('onWarning must be a function', () => {
    const fake = createFakeListing({ kind: 'page', count: 1 });
    expect(() => paginate(fake.definition, { onWarning: 'x' as never })).toThrow(
      /onWarning must be a function/,
    );
  });
});

describe('exportHistory', () => {
  it('passes onWarning to the message listings too', async () => {
    const emulator = createOkChatEmulator({
      conversations: 3,
      messagesPerConversation: 40,
      live: { listings: ['messages'], changes: ['delete', 'insert'], rate: 1 },
    });
    const source = sourceOf(emulator);
    const warnings: ListingWarning[] = [];
    for await (const _entry of exportHistory(source, {
      pageSize: 5,
      onWarning: (warning) => warnings.push(warning),
    })) {
      // consume
    }
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe('maxItems on a drifting listing', () => {
  it('records a repair recovered past maxItems are where the resume cursor points', async () => {
    // Two records deleted from page 1 after it was answered: page 2 then starts two records
    // later, and a new read of page 1 recovers both; maxItems leaves room for one.
    const emulator = createOkChatEmulator({
      conversations: 7,
      seed: 3,
      live: {
        listings: ['conversations'],
        schedule: (page) => (page.count === 1 ? ['delete', 'delete'] : []),
      },
    });
    const before = emulator.conversations().map((record) => String(record.id));
    const source = sourceOf(emulator);
    const first: Page<Conversation>[] = [];
    for await (const page of source.listConversations({ pageSize: 3, maxItems: 4 }).pages()) {
      first.push(page);
    }
    const firstIds = first.flatMap((page) => page.items.map((item) => item.id));
    const next = first.at(-1)?.next;
    expect(firstIds).toHaveLength(4);
    expect(next).toEqual({ page: 1, limit: 3 });
    const rest = await source
      .listConversations({ pageSize: 3, startAt: next ?? undefined })
      .toArray();
    const after = new Set(emulator.conversations().map((record) => String(record.id)));
    const yielded = new Set([...firstIds, ...rest.map((item) => item.id)]);
    expect(before.filter((id) => after.has(id) && !yielded.has(id))).toEqual([]);
  });
});
