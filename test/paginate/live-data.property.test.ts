import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChatHistorySource,
  createChatsV1Source,
  createOkChatSource,
  type FetchFunction,
} from '../../src/index.js';
import {
  createChatsV1Emulator,
  createOkChatEmulator,
  type LiveChange,
  type LiveDataOptions,
} from '../../src/testing/index.js';

type Vendor = 'okchat' | 'chats-v1';

/**
 * A fetch that reaches the emulator only after the given number of microtask turns for each
 * request: answers then come back in another order than asked, reproducibly (no timers).
 */
function reordering(fetch: FetchFunction, delays: readonly number[]): FetchFunction {
  let request = 0;
  return async (input, init) => {
    const turns = delays[request++ % Math.max(1, delays.length)] ?? 0;
    for (let turn = 0; turn < turns; turn++) await null;
    return fetch(input, init);
  };
}

/** A vendor whose conversation listing changes on a schedule while it is listed. */
function liveVendor(
  vendor: Vendor,
  records: number,
  live: LiveDataOptions,
  delays: readonly number[] = [],
) {
  if (vendor === 'okchat') {
    const emulator = createOkChatEmulator({ conversations: records, live, seed: 7 });
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: reordering(emulator.fetch, delays),
    });
    return {
      emulator,
      source,
      ids: () => emulator.conversations().map((record) => String(record.id)),
    };
  }
  const emulator = createChatsV1Emulator({ chats: records, live, seed: 7 });
  const source: ChatHistorySource = createChatsV1Source({
    apiKey: emulator.apiKey,
    baseURL: 'https://chats.test',
    fetch: reordering(emulator.fetch, delays),
  });
  return { emulator, source, ids: () => emulator.chats().map((record) => String(record.id)) };
}

const CHANGES: readonly LiveChange[] = ['insert', 'delete', 'move', 'append'];

describe('exactly once on data that changes during the listing', () => {
  it('every record that exists from start to end is yielded exactly once, at any concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Vendor>('okchat', 'chats-v1'),
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 2, max: 8 }),
        fc.constantFrom(1, 2, 3, 8, 16, 64),
        // One change at a time, with at least one answer between two changes (the model of
        // docs/reliability.md: a vendor changing after every single answer defeats any check).
        fc
          .array(fc.option(fc.constantFrom(...CHANGES), { nil: undefined }), { maxLength: 40 })
          .map((changes) =>
            changes.map((change, index) =>
              change === undefined || changes[index - 1] !== undefined ? [] : [change],
            ),
          ),
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 16 }),
        async (vendor, records, pageSize, concurrency, plan, delays) => {
          const live = liveVendor(
            vendor,
            records,
            { listings: ['conversations'], schedule: (page) => plan[page.count - 1] ?? [] },
            delays,
          );
          const before = new Set(live.ids());
          const listed = await live.source.listConversations({ pageSize, concurrency }).toArray();
          const after = new Set(live.ids());
          const yielded = listed.map((conversation) => conversation.id);
          expect(new Set(yielded).size).toBe(yielded.length);
          const missing = [...before].filter((id) => after.has(id) && !yielded.includes(id));
          expect(missing).toEqual([]);
          const inserted = new Set(live.emulator.live?.log.map((entry) => entry.id));
          for (const id of yielded) expect(before.has(id) || inserted.has(id)).toBe(true);
        },
      ),
      {
        numRuns: 1000,
        examples: [
          // Two deletes between the answers of two neighbouring pages at concurrency 64: more
          // records slipped back than a page holds.
          ['okchat', 6, 1, 64, [[], [], ['delete'], [], ['delete']], [0, 1, 0]],
          // A first read of the last page emptied by a delete before it was read again.
          ['okchat', 24, 7, 2, [['delete'], [], [], [], [], [], ['delete'], [], ['delete']], []],
          // A move to the front between two pages answered out of order.
          ['okchat', 10, 3, 8, [['append'], [], ['move']], [0, 0, 1]],
          // A record moved to the front before the listing reached it, then pushed off the first
          // page by two later moves: the front sweep must read past the first page.
          ['okchat', 7, 2, 64, [['move'], [], ['move'], [], ['move']], [0, 0, 1]],
        ],
      },
    );
  });
});

describe('the changes a busy chatbot vendor makes, one kind at a time', () => {
  it.each([
    ['okchat', 'insert', 1],
    ['okchat', 'insert', 8],
    ['okchat', 'delete', 1],
    ['okchat', 'delete', 8],
    ['okchat', 'move', 1],
    ['okchat', 'move', 8],
    ['chats-v1', 'insert', 8],
    ['chats-v1', 'delete', 1],
    ['chats-v1', 'delete', 8],
    ['chats-v1', 'move', 8],
    ['chats-v1', 'append', 8],
  ] as const)(
    '%s, %s after every other page, concurrency %i: every record exactly once',
    async (vendor, change, concurrency) => {
      const live = liveVendor(
        vendor,
        100,
        {
          listings: ['conversations'],
          schedule: (page) => (page.count % 2 === 1 ? [change] : []),
        },
        [0, 3, 1, 7, 2, 0, 5],
      );
      const before = new Set(live.ids());
      const listed = await live.source.listConversations({ pageSize: 10, concurrency }).toArray();
      const after = new Set(live.ids());
      const yielded = listed.map((conversation) => conversation.id);
      expect(new Set(yielded).size).toBe(yielded.length);
      expect([...before].filter((id) => after.has(id) && !yielded.includes(id))).toEqual([]);
    },
  );
});
