import { afterEach, describe, expect, it } from 'vitest';
import { type ChatHistorySource, defineSource } from '../../src/chat-history-source.js';
import { ChatHistoryError } from '../../src/errors/chat-history-error.js';
import { createPaginated } from '../../src/paginate/paginated.js';
import { openStore } from '../../src/store/open-store.js';
import { addChanges, type Store, type StoreBatch } from '../../src/store/store.js';
import { type SyncReport, syncHistory } from '../../src/sync/sync-history.js';
import type { LiveChange } from '../../src/testing/live-data.js';
import { caught } from '../helpers/caught.js';
import { type ServedVendor, serveVendors } from '../helpers/sandbox-sources.js';
import {
  freshStoreUrl,
  IN_SYNC,
  readStore,
  STORE_KINDS,
  storeMatches,
  type TestStoreKind,
  vendorData,
} from '../helpers/stores.js';

const PAGE_SIZE = 7;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every vendor's emulator with live data switched on but quiet, unless `armed()` says so. */
async function vendors(options: { armed?: () => boolean; seed?: number } = {}) {
  const served = await serveVendors(() => ({
    conversations: 12,
    messagesPerConversation: 30,
    seed: options.seed ?? 7,
    live: {
      seed: options.seed ?? 7,
      // New conversations come first in the newest-first listings, as they do at the vendors.
      schedule: (page) =>
        !options.armed?.()
          ? []
          : page.listing === 'conversations'
            ? (['insert', 'delete', 'move'] as LiveChange[])
            : (['insert', 'delete', 'move', 'append'] as LiveChange[]),
    },
  }));
  cleanups.push(() => served.close());
  return served.vendors;
}

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  cleanups.push(() => store.close());
  return store;
}

/** Syncs once into the store at `url`, opened and closed around it. */
async function syncOnce(
  url: string,
  sources: readonly ChatHistorySource[],
  extra: Partial<Parameters<typeof syncHistory>[0]> = {},
): Promise<SyncReport> {
  const store = await openStore(url);
  try {
    return await syncHistory({ sources, store, concurrency: 4, pageSize: PAGE_SIZE, ...extra });
  } finally {
    await store.close();
  }
}

/** Requests a bare conversation listing of each source costs. */
async function listingRequests(sources: readonly ChatHistorySource[]): Promise<number> {
  let requests = 0;
  for (const source of sources) {
    for await (const _ of source.listConversations({
      pageSize: PAGE_SIZE,
      onRequest: () => {
        requests += 1;
      },
    })) {
      // counted by onRequest
    }
  }
  return requests;
}

/**
 * A listing filtered by update time (Intercom's) cannot show that a conversation was deleted:
 * the only rows left unmarked are those, until a `full` sync lists everything.
 */
function onlyUnseenDeletesOfFilteredListings(result: ReturnType<typeof storeMatches>): boolean {
  const { missing, different, undeleted, wronglyDeleted } = result;
  return (
    missing.length + different.length + wronglyDeleted.length === 0 &&
    undeleted.every((key) => key.split(' ')[1] === 'intercom')
  );
}

const sourcesOf = (served: readonly ServedVendor[]) => served.map((vendor) => vendor.source);

/** A store that records the batches it writes and the conversations it is asked about. */
function watched(store: Store, seen: { batches?: StoreBatch[]; asked?: string[][] }): Store {
  return {
    kind: store.kind,
    location: store.location,
    contents: () => store.contents(),
    close: () => store.close(),
    beginSync: async () => {
      const sync = await store.beginSync();
      return {
        syncedAt: sync.syncedAt,
        batchMessages: sync.batchMessages,
        readSource: (key) => sync.readSource(key),
        readConversations: (key, ids) => {
          seen.asked?.push([...ids]);
          return sync.readConversations(key, ids);
        },
        write: (batch) => {
          seen.batches?.push(batch);
          return sync.write(batch);
        },
        commit: () => sync.commit(),
        end: () => sync.end(),
      };
    },
  };
}

/**
 * `store`, as a sync sees it with batches of `batchMessages` messages, that dies once its first
 * batch is committed (recorded in `first`): every later write fails with 'killed'.
 */
function dyingAfterFirstBatch(store: Store, batchMessages: number, first: StoreBatch[]): Store {
  return {
    ...watched(store, {}),
    beginSync: async () => {
      const sync = await store.beginSync();
      return {
        syncedAt: sync.syncedAt,
        batchMessages,
        readSource: (key) => sync.readSource(key),
        readConversations: (key, ids) => sync.readConversations(key, ids),
        write: async (batch) => {
          if (first.length > 0) throw new Error('killed');
          first.push(batch);
          const result = await sync.write(batch);
          await sync.commit();
          return result;
        },
        commit: () => sync.commit(),
        end: () => sync.end(),
      };
    },
  };
}

describe('syncHistory batches', () => {
  it('takes for new the rows of conversations never stored, and only those', async () => {
    const served = await vendors();
    const sources = served.map((vendor) => vendor.source);
    const store = await open(await freshStoreUrl('duckdb'));
    const first: StoreBatch[] = [];
    await syncHistory({
      sources,
      store: watched(store, { batches: first }),
      concurrency: 4,
      pageSize: PAGE_SIZE,
    });
    const sum = (
      batches: StoreBatch[],
      field: 'messages' | 'newMessages' | 'conversations' | 'newConversations',
    ) =>
      batches.reduce(
        (total, batch) =>
          total +
          (Array.isArray(batch[field])
            ? (batch[field] as unknown[]).length
            : (batch[field] as number)),
        0,
      );
    // Every message once as new; read again (Intercom's pass of conversations updated while
    // its listing ran), a message is no longer new.
    const distinct = new Set(
      first.flatMap((batch) => batch.messages.map((m) => `${m.source} ${m.account} ${m.id}`)),
    );
    expect(distinct.size).toBeGreaterThan(300);
    expect(sum(first, 'newMessages')).toBe(distinct.size);
    const conversations = new Set(
      first.flatMap((batch) => batch.conversations.map((c) => `${c.source} ${c.account} ${c.id}`)),
    );
    expect(sum(first, 'newConversations')).toBe(conversations.size);

    // Changed conversations are stored already: nothing of them is taken for new.
    for (const vendor of served) {
      const [id] = vendor.emulator.conversations().map((record) => String(record.id));
      if (id !== undefined) vendor.emulator.change('append', id);
    }
    const again: StoreBatch[] = [];
    await syncHistory({
      sources,
      store: watched(store, { batches: again }),
      concurrency: 4,
      pageSize: PAGE_SIZE,
    });
    expect(sum(again, 'messages')).toBeGreaterThan(0);
    expect(sum(again, 'newMessages')).toBe(0);
    expect(sum(again, 'newConversations')).toBe(0);
  });
});

/** `source`, whose conversations' messages are listed only once `release()` is called. */
function holdingMessages(source: ChatHistorySource): {
  source: ChatHistorySource;
  release: () => void;
} {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holding = defineSource({
    id: source.id,
    account: source.account,
    capabilities: source.capabilities,
    listConversations: (options) => source.listConversations(options),
    listMessages: (id, options) =>
      createPaginated(async function* () {
        await held;
        yield* source.listMessages(id, options).pages();
      }),
  });
  return { source: holding, release };
}

/** `source`, whose conversations no longer have the messages whose ids `hidden` holds. */
function hidingMessages(source: ChatHistorySource, hidden: ReadonlySet<string>): ChatHistorySource {
  return defineSource({
    id: source.id,
    account: source.account,
    capabilities: source.capabilities,
    listConversations: (options) => source.listConversations(options),
    listMessages: (id, options) =>
      createPaginated(async function* () {
        for await (const page of source.listMessages(id, options).pages()) {
          yield { ...page, items: page.items.filter((message) => !hidden.has(message.id)) };
        }
      }),
  });
}

describe('syncHistory listing', () => {
  it('asks the store about the next listing page while the conversations of the one before are read', async () => {
    const served = await serveVendors(() => ({ conversations: 12, messagesPerConversation: 5 }));
    cleanups.push(() => served.close());
    const okchat = served.vendors.find((vendor) => vendor.id === 'okchat')?.source;
    if (okchat === undefined) throw new Error('no OkChat emulator');
    // Every conversation's messages wait until the test lets them go.
    const { source, release } = holdingMessages(okchat);
    const url = await freshStoreUrl('duckdb');
    const store = await open(url);
    const asked: string[][] = [];
    const asking = watched(store, { asked });
    // Pages of 6 conversations, 2 read at once: the first page's loop waits for a place.
    const syncing = syncHistory({ sources: [source], store: asking, concurrency: 1, pageSize: 6 });
    await expect.poll(() => asked.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const listed = (await okchat.listConversations({ pageSize: 6 }).toArray()).map(
      (conversation) => conversation.id,
    );
    expect(asked).toEqual([listed.slice(0, 6), listed.slice(6, 12)]);
    release();
    const report = await syncing;
    expect(report.conversations.upserted).toBe(12);
    expect(asked.flat()).toEqual(listed);
    expect(storeMatches(await readStore(url), await vendorData([okchat]))).toEqual(IN_SYNC);
  });

  it('rejects with the error of a listing page that fails while the page before is worked through', async () => {
    let listings = 0;
    const served = await serveVendors(
      (id) => ({
        conversations: 12,
        messagesPerConversation: 5,
        faults: {
          pattern: (request) =>
            id === 'okchat' && !request.url.pathname.includes('/messages') && ++listings > 1
              ? '500'
              : null,
        },
      }),
      (id) => (id === 'okchat' ? { retry: { retries: 0 } } : {}),
    );
    cleanups.push(() => served.close());
    const okchat = served.vendors.find((vendor) => vendor.id === 'okchat')?.source;
    if (okchat === undefined) throw new Error('no OkChat emulator');
    // The first page's conversations wait until the second page has failed.
    const { source, release } = holdingMessages(okchat);
    const others = served.vendors.filter((vendor) => vendor.id !== 'okchat');
    const url = await freshStoreUrl('duckdb');
    const syncing = caught(
      syncOnce(url, [source, ...sourcesOf(others)], { concurrency: 1, pageSize: 6 }),
    );
    await expect.poll(() => listings).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const error = await syncing;
    expect(ChatHistoryError.is(error) && [error.code, error.source]).toEqual([
      'server_error',
      'okchat',
    ]);
    // The other vendors are in, and nothing of OkChat is marked deleted.
    const stored = await readStore(url);
    expect(
      storeMatches(
        {
          conversations: new Map(
            [...stored.conversations].filter(([key]) => !key.startsWith('okchat ')),
          ),
          messages: new Map([...stored.messages].filter(([key]) => !key.startsWith('okchat '))),
        },
        await vendorData(sourcesOf(others)),
      ),
    ).toEqual(IN_SYNC);
    expect([...stored.conversations.values()].filter((row) => row.deleted)).toEqual([]);
  });
});

describe.each(STORE_KINDS)('syncHistory into %s', (kind: TestStoreKind) => {
  it('stores what an export yields, and a second sync of unchanged data costs the listing alone', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    const first = await syncOnce(url, sources);
    const vendor = await vendorData(sources);
    expect(storeMatches(await readStore(url), vendor)).toEqual(IN_SYNC);
    expect(first.conversations).toEqual({ upserted: vendor.conversations.size, deleted: 0 });
    expect(first.messages).toEqual({ upserted: vendor.messages.size, deleted: 0 });
    expect(first.sources.map((report) => report.source)).toEqual(served.map((v) => v.id));
    // Many pages per conversation: the multi-page paths are the ones taken.
    expect(first.requests).toBeGreaterThan(vendor.conversations.size * 2);

    const second = await syncOnce(url, sources);
    expect(second.conversations).toEqual({ upserted: 0, deleted: 0 });
    expect(second.messages).toEqual({ upserted: 0, deleted: 0 });
    for (const [index, source] of sources.entries()) {
      // A complete listing's pages, or one page of conversations updated since the last one.
      expect(second.sources[index]?.requests).toBe(
        source.capabilities.filterConversationsByUpdatedSince ? 1 : await listingRequests([source]),
      );
    }
    expect(storeMatches(await readStore(url), vendor)).toEqual(IN_SYNC);
  });

  it('resumes a conversation whose batch ended inside a page, and marks deleted what went from that page', async () => {
    const served = await vendors();
    const okchat = served.filter((vendor) => vendor.id === 'okchat');
    const sources = sourcesOf(okchat);
    const url = await freshStoreUrl(kind);
    // Batches of 10 messages, pages of 7: the first batch ends 3 messages into a page. The
    // process dies once it is committed: nothing after it reaches the store.
    const store = await open(url);
    const first: StoreBatch[] = [];
    const dying = dyingAfterFirstBatch(store, 10, first);
    await expect(
      syncHistory({ sources, store: dying, concurrency: 1, pageSize: PAGE_SIZE }),
    ).rejects.toThrow('killed');
    await store.close();
    const [batch] = first;
    expect(batch?.messages).toHaveLength(10);
    // The conversation read when the batch ended: the first 3 messages of its page landed with
    // a checkpoint listing them, from that page's cursor.
    const head = batch?.checkpoints.find((row) => row.checkpoint.overlap.length === 3);
    const split = head?.conversationId ?? '';
    expect(head?.checkpoint.overlap).toEqual(
      batch?.messages
        .filter((message) => message.conversationId === split)
        .slice(-3)
        .map((message) => message.id),
    );
    // The vendor deletes messages of that conversation until one of those stored is gone.
    const stored = new Set(head?.checkpoint.overlap);
    const [vendor] = okchat;
    const left = () => vendor?.emulator.messages(split).map((record) => String(record.id)) ?? [];
    for (
      let tries = 0;
      tries < 50 && left().filter((id) => stored.has(id)).length === stored.size;
      tries++
    ) {
      vendor?.emulator.change('delete', split);
    }
    expect(left().filter((id) => stored.has(id)).length).toBeLessThan(stored.size);
    await syncOnce(url, sources);
    expect(storeMatches(await readStore(url), await vendorData(sources))).toEqual(IN_SYNC);
  });

  it('ends a batch inside a page the store held without shortening what the next reading must find there', async () => {
    const served = await vendors();
    const vendor = served.find((entry) => entry.id === 'okchat');
    if (vendor === undefined) throw new Error('no OkChat emulator');
    const hidden = new Set<string>();
    const sources = [hidingMessages(vendor.source, hidden)];
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sources);
    // A conversation of several pages whose last page holds 2 to 4 messages, 3 more appended.
    const split = vendor.emulator
      .conversations()
      .map((record) => String(record.id))
      .find((id) => {
        const count = vendor.emulator.messages(id).length;
        return count > PAGE_SIZE && count % PAGE_SIZE >= 2 && count % PAGE_SIZE <= 4;
      });
    if (split === undefined) throw new Error('no conversation to split');
    const ids = vendor.emulator.messages(split).map((record) => String(record.id));
    const lastPage = ids.slice(ids.length - (ids.length % PAGE_SIZE));
    for (let count = 0; count < 3; count++) vendor.emulator.change('append', split);
    // Batches of one message: the first ends after the first message of that page, read again
    // from its cursor; the process dies once it is committed.
    const store = await open(url);
    const first: StoreBatch[] = [];
    const dying = dyingAfterFirstBatch(store, 1, first);
    await expect(
      syncHistory({ sources, store: dying, concurrency: 1, pageSize: PAGE_SIZE }),
    ).rejects.toThrow('killed');
    await store.close();
    expect(first[0]?.messages.map((message) => message.id)).toEqual(lastPage.slice(0, 1));
    // Its checkpoint still lists every message the store holds from that page.
    expect(first[0]?.checkpoints.map((row) => row.checkpoint.overlap)).toEqual([lastPage]);
    // The vendor deletes the page's second message: the next reading does not line up, reads
    // the conversation whole, and marks it deleted.
    hidden.add(lastPage[1] ?? '');
    await syncOnce(url, sources);
    expect(storeMatches(await readStore(url), await vendorData(sources))).toEqual(IN_SYNC);
  });

  it('brings in changes made between syncs: new, moved and deleted messages and conversations', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sources);
    const before = await readStore(url);

    let changedConversations = 0;
    for (const vendor of served) {
      const ids = vendor.emulator.conversations().map((record) => String(record.id));
      const [appendTo, deleteFrom, moveIn] = ids;
      for (let count = 0; count < 9; count++) vendor.emulator.change('append', appendTo);
      vendor.emulator.change('delete', deleteFrom);
      vendor.emulator.change('move', moveIn);
      vendor.emulator.change('insert');
      vendor.emulator.change('delete');
      changedConversations += 3;
    }
    const report = await syncOnce(url, sources);
    const vendor = await vendorData(sources);
    expect(onlyUnseenDeletesOfFilteredListings(storeMatches(await readStore(url), vendor))).toBe(
      true,
    );
    const full = await syncOnce(url, sources, { full: true });
    const after = await readStore(url);
    expect(storeMatches(after, vendor)).toEqual(IN_SYNC);
    addChanges(report, full);
    // Every vendor deleted one conversation (with its messages) and one message elsewhere.
    const deletedNow = (rows: Map<string, { deleted: boolean }>, old: Map<string, unknown>) =>
      [...rows].filter(([key, row]) => row.deleted && old.has(key)).length;
    expect(report.conversations.deleted).toBe(
      deletedNow(after.conversations, before.conversations),
    );
    expect(report.conversations.deleted).toBeGreaterThanOrEqual(served.length);
    expect(report.messages.deleted).toBe(deletedNow(after.messages, before.messages));
    // The listing, and at most two requests more per changed conversation on top of its pages.
    expect(report.requests).toBeLessThanOrEqual(
      (await listingRequests(sources)) + changedConversations * 2 + 3 * served.length,
    );
  });

  it('converges after a sync that ran while the vendors changed under it', async () => {
    let armed = true;
    const served = await vendors({ armed: () => armed, seed: 11 });
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sources, { onWarning: () => undefined });
    armed = false;
    expect(served.every((vendor) => (vendor.emulator.live?.log.length ?? 0) > 0)).toBe(true);
    await syncOnce(url, sources);
    const vendor = await vendorData(sources);
    expect(onlyUnseenDeletesOfFilteredListings(storeMatches(await readStore(url), vendor))).toBe(
      true,
    );
    await syncOnce(url, sources, { full: true });
    expect(storeMatches(await readStore(url), vendor)).toEqual(IN_SYNC);
  });

  it('finishes and commits the other sources when one fails, and marks nothing of it deleted', async () => {
    let failing = false;
    const served = await serveVendors(
      (id) => ({
        conversations: 10,
        messagesPerConversation: 12,
        live: { schedule: () => [] },
        faults: {
          pattern: (request) =>
            failing && id === 'okchat' && request.url.pathname.includes('/messages') ? '500' : null,
        },
      }),
      (id) => (id === 'okchat' ? { retry: { retries: 0 } } : {}),
    );
    cleanups.push(() => served.close());
    const sources = sourcesOf(served.vendors);
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sources);
    for (const vendor of served.vendors) {
      const [first] = vendor.emulator.conversations();
      vendor.emulator.change('append', String(first?.id));
      vendor.emulator.change('delete');
    }
    const othersFull = { full: true };
    failing = true;
    const error = await caught(syncOnce(url, sources, othersFull));
    expect(ChatHistoryError.is(error) && [error.code, error.source]).toEqual([
      'server_error',
      'okchat',
    ]);
    const stored = await readStore(url);
    const others = served.vendors.filter((vendor) => vendor.id !== 'okchat');
    const vendor = await vendorData(sourcesOf(others));
    const okchatRows = (rows: Map<string, { deleted: boolean }>) =>
      [...rows].filter(([key]) => key.startsWith('okchat '));
    const othersOnly = {
      conversations: new Map(
        [...stored.conversations].filter(([key]) => !key.startsWith('okchat ')),
      ),
      messages: new Map([...stored.messages].filter(([key]) => !key.startsWith('okchat '))),
    };
    expect(storeMatches(othersOnly, vendor)).toEqual(IN_SYNC);
    expect(okchatRows(stored.conversations).filter(([, row]) => row.deleted)).toEqual([]);
    expect(okchatRows(stored.messages).filter(([, row]) => row.deleted)).toEqual([]);

    failing = false;
    await syncOnce(url, sources, othersFull);
    expect(storeMatches(await readStore(url), await vendorData(sources))).toEqual(IN_SYNC);
  });

  it('stops with code aborted when its signal fires, keeps what it committed, and resumes', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    const controller = new AbortController();
    let progress = 0;
    const error = await caught(
      syncOnce(url, sources, {
        signal: controller.signal,
        onProgress: () => {
          progress += 1;
          if (progress === 6) controller.abort();
        },
      }),
    );
    expect(ChatHistoryError.is(error) && error.code).toBe('aborted');
    const partial = await readStore(url);
    expect(partial.messages.size).toBeGreaterThan(0);
    await syncOnce(url, sources);
    expect(storeMatches(await readStore(url), await vendorData(sources))).toEqual(IN_SYNC);
  });

  it('refuses a second sync of the same store while one runs (store_locked)', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const running = syncHistory({ sources, store, pageSize: PAGE_SIZE });
    const second =
      kind === 'postgres'
        ? caught((async () => syncHistory({ sources, store: await open(url) }))())
        : caught(openStore(url));
    const sameObject = await caught(syncHistory({ sources, store }));
    const error = await second;
    expect(ChatHistoryError.is(error) && error.code).toBe('store_locked');
    expect(ChatHistoryError.is(sameObject) && sameObject.code).toBe('store_locked');
    await running;
  });

  it('marks deleted the messages of a conversation whose first reading stopped, once it is gone', async () => {
    let failing = true;
    const served = await serveVendors(
      () => ({
        conversations: 4,
        messagesPerConversation: 20,
        live: { schedule: () => [] },
        faults: {
          // The third page of one conversation's messages fails: its row is never written.
          pattern: (request) =>
            failing &&
            request.url.pathname.includes('/messages') &&
            request.url.searchParams.get('page') === '3'
              ? '500'
              : null,
        },
      }),
      () => ({ retry: { retries: 0 } }),
    );
    cleanups.push(() => served.close());
    const okchat = served.vendors.filter((vendor) => vendor.id === 'okchat');
    const url = await freshStoreUrl(kind);
    const error = await caught(syncOnce(url, sourcesOf(okchat), { concurrency: 1 }));
    expect(ChatHistoryError.is(error) && error.code).toBe('server_error');
    const partial = await readStore(url);
    const orphaned = new Set(
      [...partial.messages.values()].map((row) => row.record.conversationId),
    );
    for (const row of partial.conversations.values()) orphaned.delete(row.record.id);
    expect(orphaned.size).toBeGreaterThan(0);
    failing = false;
    const [emulator] = okchat.map((vendor) => vendor.emulator);
    while (emulator?.conversations().some((record) => orphaned.has(String(record.id)))) {
      emulator.change('delete');
    }
    await syncOnce(url, sourcesOf(okchat));
    expect(storeMatches(await readStore(url), await vendorData(sourcesOf(okchat)))).toEqual(
      IN_SYNC,
    );
  });

  it('starts a whole reading again after one that warned, so the messages it missed are marked later', async () => {
    const served = await vendors();
    const okchat = served.find((vendor) => vendor.id === 'okchat');
    if (okchat === undefined) throw new Error('no okchat');
    let warnOnWholeReadings = false;
    // The vendor's data drifts under every whole reading while this is on.
    const base = okchat.source;
    const source: ChatHistorySource = {
      ...base,
      listConversations: (options) => base.listConversations(options),
      listMessages: (id, options = {}) => {
        if (warnOnWholeReadings && options.startAt === undefined) {
          options.onWarning?.({
            source: 'okchat',
            code: 'drift_unrepaired',
            message: 'the data kept changing',
            cursor: {},
          });
        }
        return base.listMessages(id, options);
      },
    };
    const url = await freshStoreUrl(kind);
    await syncOnce(url, [source]);
    const [, second] = okchat.emulator.conversations();
    okchat.emulator.change('delete', String(second?.id));
    warnOnWholeReadings = true;
    const warned = await syncOnce(url, [source], { onWarning: () => undefined });
    expect(warned.messages.deleted).toBe(0);
    warnOnWholeReadings = false;
    const next = await syncOnce(url, [source]);
    expect(next.messages.deleted).toBe(1);
    expect(storeMatches(await readStore(url), await vendorData([source]))).toEqual(IN_SYNC);
  });

  it('marks nothing deleted that moved behind a cursor listing while it ran (Intercom)', async () => {
    let armed = false;
    // Four conversations are updated while the first two pages of the listing are served.
    let moves = 0;
    const served = await serveVendors((id) => ({
      conversations: 12,
      live: {
        seed: 5,
        // Conversations updated while the listing runs jump to the front, behind its cursor.
        schedule: (page) =>
          armed && id === 'intercom' && page.listing === 'conversations' && moves++ < 2
            ? ['move', 'move']
            : [],
      },
    }));
    cleanups.push(() => served.close());
    const intercom = served.vendors.filter((vendor) => vendor.id === 'intercom');
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sourcesOf(intercom));
    armed = true;
    const full = await syncOnce(url, sourcesOf(intercom), { full: true, pageSize: 3 });
    armed = false;
    expect(
      intercom[0]?.emulator.live?.log.filter((entry) => entry.change === 'move').length,
    ).toBeGreaterThan(2);
    expect(full.conversations.deleted).toBe(0);
    expect(full.messages.deleted).toBe(0);
    expect(storeMatches(await readStore(url), await vendorData(sourcesOf(intercom)))).toEqual(
      IN_SYNC,
    );
  });

  it('rejects with the error of an onProgress hook that throws, and commits the other sources', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    const error: unknown = await syncOnce(url, sources, {
      onProgress: (progress) => {
        if (progress.source === 'chats-v1' && progress.done === 2) throw new Error('hook bug');
      },
    }).catch((rejection: unknown) => rejection);
    expect((error as Error).message).toBe('hook bug');
    const others = served.filter((vendor) => vendor.id !== 'chats-v1');
    const stored = await readStore(url);
    expect([...stored.messages.values()].some((row) => row.record.source === 'okchat')).toBe(true);
    expect(others.length).toBe(2);
  });

  it('counts every HTTP request in its report, retries included, per source', async () => {
    const served = await serveVendors(
      () => ({
        conversations: 6,
        messagesPerConversation: 15,
        faults: { rate: 0.3, kinds: ['500', '503'], firstAttemptsOnly: true, seed: 3 },
      }),
      () => ({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } }),
    );
    cleanups.push(() => served.close());
    const url = await freshStoreUrl(kind);
    const report = await syncOnce(url, sourcesOf(served.vendors));
    const faults = served.vendors.reduce((sum, vendor) => sum + vendor.emulator.stats.faults, 0);
    expect(faults).toBeGreaterThan(0);
    served.vendors.forEach((vendor, index) => {
      expect(report.sources[index]?.requests).toBe(vendor.emulator.stats.requests);
    });
    expect(report.requests).toBe(
      served.vendors.reduce((sum, vendor) => sum + vendor.emulator.stats.requests, 0),
    );
    expect(storeMatches(await readStore(url), await vendorData(sourcesOf(served.vendors)))).toEqual(
      IN_SYNC,
    );
  });

  it('reads a whole conversation again with full: true, and rejects bad options before any request', async () => {
    const served = await vendors();
    const sources = sourcesOf(served);
    const url = await freshStoreUrl(kind);
    await syncOnce(url, sources);
    const full = await syncOnce(url, sources, { full: true });
    expect(full.messages).toEqual({ upserted: 0, deleted: 0 });
    expect(full.requests).toBeGreaterThan(await listingRequests(sources));
    const store = await open(url);
    for (const bad of [
      { sources: [], store },
      { sources, store: {} },
      { sources: [sources[0], sources[0]], store },
      { sources, store, concurrency: 0 },
      { sources, store, full: 'yes' },
    ]) {
      const error = await caught(syncHistory(bad as never));
      expect(ChatHistoryError.is(error) && error.code).toBe('bad_request');
    }
  });
});
