import pLimit from 'p-limit';
import type { ChatHistorySource } from '../chat-history-source.js';
import { abortedError } from '../errors/aborted.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { invalidArgument, kindOf, optionsObject } from '../errors/invalid-argument.js';
import { MAX_CONCURRENCY } from '../paginate/paginate.js';
import { SignalFanout } from '../paginate/signal-fanout.js';
import type {
  InvalidRecord,
  ListingWarning,
  Page,
  RequestLimiter,
  RequestSent,
} from '../paginate/types.js';
import { readSources } from '../read-sources.js';
import {
  addChanges,
  type ChangeCounts,
  noChanges,
  type SourceKey,
  type Store,
  type StoreSync,
  sourceKeyOf,
} from '../store/store.js';
import { BatchWriter } from './batch-writer.js';
import { type ConversationTask, readConversation } from './read-conversation.js';
import { signatureOf } from './signature.js';

/** Options of {@link syncHistory}. */
export interface SyncHistoryOptions {
  /** The sources to sync, side by side; each source and account once. */
  sources: ChatHistorySource | readonly ChatHistorySource[];
  /** Where to keep the history: `openStore(...)` from `chat-history-kit/store`. */
  store: Store;
  /**
   * Requests in flight at once, shared by every source's conversation listing and every
   * conversation's message pages.
   * @default 4
   */
  concurrency?: number;
  /** Aborting it stops the sync with code `aborted`; what was committed stays. */
  signal?: AbortSignal;
  /** Told how each source's sync goes: after each page listed, conversation read, and at its end. */
  onProgress?: (progress: SyncProgress) => void;
  /**
   * List every conversation (even where the vendor can filter by update time) and read every
   * conversation whole: finds what a vendor changed without showing it (an edited or deleted
   * message in a conversation that kept its update time). Costs a full export's requests.
   * @default false
   */
  full?: boolean;
  /** Records asked for per request. @default each source's own */
  pageSize?: number;
  /** Also store the events vendors record in conversations (see `listMessages`). @default false */
  includeEvents?: boolean;
  /**
   * Told of listing warnings (`drift_unrepaired`, `truncated`, `cursor_repeated`). A listing that warned is not
   * taken as complete: nothing is marked deleted from it.
   * @default each warning written once with `console.warn`
   */
  onWarning?: (warning: ListingWarning) => void;
  /**
   * Called with each vendor record that cannot be mapped; the sync then goes on without it (and
   * marks nothing deleted from that listing). Without it, such a record fails its source.
   */
  onInvalidRecord?: (record: InvalidRecord) => void;
}

/** How one source's sync stands, as `onProgress` is told. */
export interface SyncProgress extends SourceKey {
  /** Conversations listed so far. */
  listed: number;
  /**
   * Conversations found new or changed, and those of them read and written (committed by the
   * end of the source, a store may hold the last of them in an open transaction until then:
   * see `docs/store.md`, Commits).
   */
  changed: number;
  done: number;
  /** Messages fetched so far. */
  messages: number;
  /** HTTP requests sent so far, retries included. */
  requests: number;
  state: 'running' | 'done' | 'failed';
}

/** What a sync changed in the store, and what it cost. */
export interface SyncReport extends ChangeCounts {
  /** HTTP requests sent, retries included. */
  requests: number;
  durationMs: number;
  /** The same, per source, in the order given. */
  sources: SourceSyncReport[];
}

/** What a sync changed for one source. */
export interface SourceSyncReport extends ChangeCounts, SourceKey {
  requests: number;
  durationMs: number;
}

const DEFAULT_CONCURRENCY = 4;
/**
 * How far before the last listing's newest update a listing filtered by update time starts: a
 * vendor's search index may show an update a little late.
 */
export const UPDATED_SINCE_LOOKBACK_MS = 5 * 60_000;

/**
 * Brings a store up to date with every source: new and changed conversations (found through the
 * vendor's update filter where it has one, else by comparing a complete listing with the store),
 * only the new messages of a changed conversation (read from where the store's copy ends, with
 * an overlap that must line up, else the whole conversation again), and deletes (a conversation
 * absent from a complete listing, a message absent from a complete reading of its
 * conversation). Data and checkpoints commit together in batches, so a sync stopped at any point
 * and run again leaves the store equal to the vendor's data.
 *
 * A failing source does not stop the others: they finish and commit, then the sync rejects with
 * the failing source's `ChatHistoryError` (the first in `sources` order). Two syncs of one store
 * at once: the second rejects with code `store_locked`.
 *
 * @example
 * const store = await openStore('history.duckdb');
 * const report = await syncHistory({ sources: [okchat, intercom], store, concurrency: 8 });
 * console.log(report.messages.upserted, 'messages new or changed');
 * await store.close();
 */
export async function syncHistory(syncOptions: SyncHistoryOptions): Promise<SyncReport> {
  const options = optionsObject(syncOptions, 'syncHistory options');
  const sources = distinctSources(options.sources);
  const store = readStore(options.store);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalidArgument(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(options.concurrency)}`,
    );
  }
  for (const flag of ['full', 'includeEvents'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw invalidArgument(`${flag} must be true or false`);
    }
  }
  for (const hook of ['onProgress', 'onWarning', 'onInvalidRecord'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw invalidArgument(`${hook} must be a function`);
    }
  }
  // The listing checks the rest (pageSize, signal) at the call, before the lock is taken.
  for (const source of sources) {
    source.listConversations({ pageSize: options.pageSize, signal: options.signal });
  }
  if (options.signal?.aborted) throw abortedError(options.signal);

  const started = performance.now();
  const sync = await store.beginSync();
  try {
    return await run(sync, sources, { ...options, concurrency }, started);
  } finally {
    await sync.end();
  }
}

interface Settings extends Omit<SyncHistoryOptions, 'sources' | 'store'> {
  concurrency: number;
}

async function run(
  sync: StoreSync,
  sources: readonly ChatHistorySource[],
  settings: Settings,
  started: number,
): Promise<SyncReport> {
  const { concurrency, signal: callerSignal } = settings;
  const limit = pLimit(concurrency);
  const limiter: RequestLimiter = { run: (request) => limit(request) };
  // Conversations being read at once, across every source: bounds memory as `exportHistory` does.
  const readers = pLimit(concurrency * 2);
  const reports = sources.map((source) => ({
    source: source.id,
    account: source.account,
    ...noChanges(),
    requests: 0,
    durationMs: 0,
  }));
  const byKey = new Map(reports.map((report) => [sourceKeyOf(report), report]));
  const writer = new BatchWriter(sync, (result) => {
    for (const [key, counts] of result) {
      const report = byKey.get(key);
      if (report) addChanges(report, counts);
    }
  });

  const outcomes = await Promise.allSettled(
    sources.map((source, index) =>
      syncSource(source, {
        sync,
        writer,
        limiter,
        readers,
        settings,
        report: reports[index] ?? reports[0],
      }),
    ),
  );
  limit.clearQueue();
  readers.clearQueue();
  // What the sources added is consistent wherever they stopped: it is committed either way.
  await writer.flush();
  const durationMs = Math.round(performance.now() - started);
  if (callerSignal?.aborted) throw abortedError(callerSignal);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') throw outcome.reason;
  }
  const total = noChanges();
  let requests = 0;
  for (const report of reports) {
    addChanges(total, report);
    requests += report.requests;
  }
  return { ...total, requests, durationMs, sources: reports };
}

interface SourceRun {
  sync: StoreSync;
  writer: BatchWriter;
  limiter: RequestLimiter;
  readers: ReturnType<typeof pLimit>;
  settings: Settings;
  report: SourceSyncReport | undefined;
}

async function syncSource(source: ChatHistorySource, context: SourceRun): Promise<void> {
  const { sync, writer, limiter, readers, settings } = context;
  const report = context.report;
  if (report === undefined) return;
  const started = performance.now();
  const key: SourceKey = { source: source.id, account: source.account };
  const progress: SyncProgress = {
    ...key,
    listed: 0,
    changed: 0,
    done: 0,
    messages: 0,
    requests: 0,
    state: 'running',
  };
  const onRequest = (_request: RequestSent) => {
    progress.requests += 1;
    report.requests += 1;
  };
  // One source failing stops its own work only.
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(settings.signal?.reason);
  if (settings.signal?.aborted) onCallerAbort();
  settings.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const { signal } = controller;
  // Each conversation being read gets its own signal: one listener on this one, however many.
  const fanout = new SignalFanout(signal);

  let complete = true;
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    controller.abort(error);
  };
  // A progress hook that throws fails this source, like any other error in it.
  const tell = () => {
    try {
      settings.onProgress?.({ ...progress });
    } catch (error) {
      fail(error);
    }
  };
  // The last reading of each conversation started: a conversation listed twice (in the second
  // pass below) is read again only after its first reading ended, never at the same time.
  const readings = new Map<string, Promise<void>>();

  const read = (task: ConversationTask): Promise<void> =>
    readers(async () => {
      const child = fanout.child();
      try {
        await readConversation(source, task, {
          sync,
          writer,
          limiter,
          signal: child.signal,
          onRequest,
          concurrency: settings.concurrency,
          pageSize: settings.pageSize,
          includeEvents: settings.includeEvents === true,
          onWarning: (warning) => warn(settings, warning),
          onInvalidRecord: settings.onInvalidRecord,
          onMessages: (count) => {
            progress.messages += count;
          },
        });
      } finally {
        child.release();
      }
    });

  /**
   * Lists conversations (all of them, or those updated since `since`) and brings each in. A
   * failure aborts the source at once: the listing's next page, read ahead, ends with it.
   */
  const pass = (since: string | null) =>
    listAndRead(since).catch((error: unknown) => {
      fail(error);
      throw error;
    });
  const listAndRead = async (since: string | null) => {
    const listing = source.listConversations({
      concurrency: settings.concurrency,
      limiter,
      signal,
      onRequest,
      ...(settings.pageSize === undefined ? {} : { pageSize: settings.pageSize }),
      ...(since === null ? {} : { updatedSince: lookBack(since) }),
      onWarning: (warning) => {
        complete = false;
        warn(settings, warning);
      },
      ...(settings.onInvalidRecord
        ? {
            onInvalidRecord: (record: InvalidRecord) => {
              complete = false;
              settings.onInvalidRecord?.(record);
            },
          }
        : {}),
    });
    const pages = withStored(listing.pages(), (page) =>
      sync.readConversations(
        key,
        page.items.map((conversation) => conversation.id),
      ),
    );
    for await (const { page, stored } of pages) {
      const unchanged = [];
      for (const conversation of page.items) {
        progress.listed += 1;
        if (
          conversation.updatedAt !== null &&
          (newest === null || conversation.updatedAt > newest)
        ) {
          newest = conversation.updatedAt;
        }
        const found = stored.get(conversation.id);
        const signature = signatureOf(conversation);
        const earlier = readings.get(conversation.id);
        if (
          earlier === undefined &&
          !settings.full &&
          found !== undefined &&
          !found.deleted &&
          signature !== null &&
          found.checkpoint?.signature === signature
        ) {
          unchanged.push(conversation);
          continue;
        }
        progress.changed += 1;
        // Waits for a place among the conversations being read before listing further.
        await readers(async () => undefined);
        const reading = (earlier ?? Promise.resolve())
          .then(async () => {
            // Read again after an earlier reading in this sync: from what that one stored,
            // committed first (reads see only what is committed).
            if (earlier !== undefined) await writer.flush();
            const current =
              earlier === undefined
                ? found
                : (await sync.readConversations(key, [conversation.id])).get(conversation.id);
            await read({
              ...key,
              conversation,
              checkpoint: current?.checkpoint ?? null,
              deleted: current?.deleted ?? false,
              full: settings.full === true && earlier === undefined,
            });
            progress.done += 1;
            tell();
          })
          .catch(fail);
        readings.set(conversation.id, reading);
        if (signal.aborted) break;
      }
      if (unchanged.length > 0) await writer.add({ conversations: unchanged });
      tell();
      if (signal.aborted) break;
    }
  };

  let newest: string | null = null;
  try {
    const state = await sync.readSource(key);
    const canFilter = source.capabilities.filterConversationsByUpdatedSince;
    const since = settings.full || !canFilter ? null : (state?.updatedSince ?? null);
    newest = state?.updatedSince ?? null;
    await pass(since);
    // A listing by cursor does not see a conversation updated while it ran (it moves behind the
    // cursor): before anything is marked deleted, those updated since the listing's newest are
    // listed too.
    if (since === null && canFilter && complete && newest !== null && !signal.aborted) {
      await pass(newest);
    }
    await Promise.all(readings.values());
    if (failure !== undefined) throw failure;
    if (signal.aborted) throw abortedError(signal, source.id);
    // Only a complete, successful listing says what is gone, and where the next one starts.
    if (complete) {
      await writer.add({
        ...(since === null ? { conversationDeletes: [{ ...key, since: sync.syncedAt }] } : {}),
        ...(canFilter ? { sources: [{ ...key, state: { updatedSince: newest } }] } : {}),
      });
    }
    await writer.flush();
    progress.state = 'done';
  } catch (error) {
    fail(error);
    await Promise.allSettled(readings.values());
    progress.state = 'failed';
    throw failureOf(failure, source.id, settings.signal);
  } finally {
    settings.signal?.removeEventListener('abort', onCallerAbort);
    report.durationMs = Math.round(performance.now() - started);
    try {
      settings.onProgress?.({ ...progress });
    } catch {
      // The source's outcome is already decided; a failing hook cannot change it now.
    }
  }
}

function failureOf(
  error: unknown,
  source: string,
  callerSignal: AbortSignal | undefined,
): ChatHistoryError {
  if (callerSignal?.aborted) return abortedError(callerSignal, source);
  if (ChatHistoryError.is(error)) return error;
  throw error;
}

function warn(settings: Settings, warning: ListingWarning): void {
  if (settings.onWarning) settings.onWarning(warning);
  else console.warn(`chat-history-kit: ${warning.source}: ${warning.message}`);
}

/** The start of a listing filtered by update time: a little before the last one's newest. */
function lookBack(canonical: string): string {
  const milliseconds = Date.parse(`${canonical.slice(0, 23)}Z`) - UPDATED_SINCE_LOOKBACK_MS;
  return `${new Date(Math.max(0, milliseconds)).toISOString().slice(0, 23)}${canonical.slice(23, 26)}Z`;
}

/** The sources, each source and account once (two would write the same rows). */
function distinctSources(value: unknown): readonly ChatHistorySource[] {
  const list = readSources(value, 'syncHistory');
  const seen = new Set<string>();
  for (const { id, account } of list) {
    const key = sourceKeyOf({ source: id, account });
    if (seen.has(key)) {
      throw invalidArgument(
        `syncHistory got two sources for ${id} account ${account}: give each account once (or set their account option apart)`,
      );
    }
    seen.add(key);
  }
  return list;
}

function readStore(value: unknown): Store {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Store).beginSync !== 'function'
  ) {
    throw invalidArgument(
      `syncHistory needs a store from openStore() (chat-history-kit/store), got ${kindOf(value)}`,
    );
  }
  return value as Store;
}

/**
 * The pages of a listing, each with what the store holds of its conversations. The next page and
 * its stored state are read while the caller works through the one before, so that the listing
 * never waits for the store between pages. A conversation of that page which a reading of this
 * sync changes meanwhile is read from the store again (see `earlier`).
 */
async function* withStored<T, S>(
  pages: AsyncIterator<Page<T>>,
  storedOf: (page: Page<T>) => Promise<S>,
): AsyncGenerator<{ page: Page<T>; stored: S }> {
  const next = async () => {
    const result = await pages.next();
    return result.done ? undefined : { page: result.value, stored: await storedOf(result.value) };
  };
  // A page read ahead may fail while the caller works: handled here, thrown when awaited.
  const readAhead = () => {
    const page = next();
    page.catch(() => undefined);
    return page;
  };
  let ahead = readAhead();
  try {
    for (let current = await ahead; current !== undefined; current = await ahead) {
      ahead = readAhead();
      yield current;
    }
  } finally {
    // Left early (the source failed or was aborted): the page read ahead is not wanted. The
    // listing is closed once that page is in, which the source's abort hastens; nothing waits
    // for it here, so that a failure is reported without waiting for the vendor.
    ahead.then(() => pages.return?.()).catch(() => undefined);
  }
}
