import { abortedError } from '../errors/aborted.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { redactError } from '../errors/copy-error.js';
import { invalidArgument, optionsObject } from '../errors/invalid-argument.js';
import { invalidListing } from '../errors/invalid-response.js';
import { isWellFormedText, quoted, safeText } from '../text/safe-text.js';
import { isTight, type Snapshot, Timeline } from './drift.js';
import { createPaginated, type Paginated } from './paginated.js';
import { RecentKeys } from './recent-keys.js';
import { exceedsDepth, MAX_RECORD_DEPTH } from './record-depth.js';
import { readRecordId } from './record-id.js';
import type {
  FetchedPage,
  ListingWarning,
  MapResult,
  Page,
  PageCursor,
  PaginatedListDefinition,
  PaginateOptions,
  RecordIssue,
} from './types.js';

/** Upper bound on `concurrency`: more would only be impolite to the vendor. */
export const MAX_CONCURRENCY = 64;
/** Item ids remembered per listing to never yield one twice. */
const DEDUPE_WINDOW = 10_000;
/** Page cursors remembered per listing to detect a vendor sending us in circles. */
const CURSOR_WINDOW = 10_000;
/** Consecutive pages with nothing new after which the vendor is judged stuck. */
const MAX_STALLED_PAGES = 3;
/** Consecutive empty pages a cursor listing follows before the vendor is judged stuck. */
export const MAX_EMPTY_PAGES = 20;
/** Re-reads spent on one page boundary before the data is taken as too busy to settle there. */
const MAX_REPAIRS_PER_BOUNDARY = 3;
/** Re-reads a drifting listing may make beyond one per page it read. */
export const REREAD_ALLOWANCE = 4;
/**
 * A page may hold at most this many times the records asked for (or
 * {@link MIN_RECORDS_PER_PAGE_CAP}, whichever is more): vendors clamp page sizes down, or use a
 * default of their own, but a page of a million records for `limit=50` is an attack on memory.
 */
export const RECORDS_PER_PAGE_FACTOR = 4;
export const MIN_RECORDS_PER_PAGE_CAP = 1000;

/**
 * Lists records page by page as `definition` describes, with the caller's options. Options are
 * checked here, at the call; nothing is requested until the result is iterated.
 */
export function paginate<Cursor extends PageCursor, Info, T>(
  definition: PaginatedListDefinition<Cursor, Info, T>,
  options?: PaginateOptions,
): Paginated<T> {
  const settings = readOptions(definition, optionsObject(options, 'options', definition.source));
  return createPaginated(({ maxItems }) =>
    redactingErrors(
      iteratePages(definition, { ...settings, maxItems: maxItems ?? settings.maxItems }),
      definition.redact,
    ),
  );
}

/**
 * Passes every `ChatHistoryError` a listing throws through the source's redactor, so that no
 * error leaving the engine carries a secret the vendor echoed (in an id, a timestamp, a cursor).
 */
async function* redactingErrors<T>(
  pages: AsyncGenerator<Page<T>, void, undefined>,
  redact: ((text: string) => string) | undefined,
): AsyncGenerator<Page<T>, void, undefined> {
  try {
    yield* pages;
  } catch (error) {
    throw redact !== undefined && ChatHistoryError.is(error) ? redactError(error, redact) : error;
  }
}

interface Settings<Cursor> {
  start: Cursor;
  /** The listing starts at its first page (no `startAt`): the front can be swept again. */
  startedAtFront: boolean;
  pageSize: number;
  skip: number;
  concurrency: number;
  maxItems: number | undefined;
  signal: AbortSignal | undefined;
  onInvalidRecord: PaginateOptions['onInvalidRecord'];
  onWarning: PaginateOptions['onWarning'];
  limiter: PaginateOptions['limiter'];
  onRequest: PaginateOptions['onRequest'];
}

function readOptions<Cursor extends PageCursor, Info, T>(
  definition: PaginatedListDefinition<Cursor, Info, T>,
  options: PaginateOptions,
): Settings<Cursor> {
  const { source } = definition;
  const pageSize = options.pageSize ?? definition.defaultPageSize;
  const maxPageSize = definition.maxPageSize ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw invalidArgument(
      `pageSize must be a whole number from 1 to ${maxPageSize}, got ${String(options.pageSize)}`,
      source,
    );
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalidArgument(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(options.concurrency)}`,
      source,
    );
  }
  const { maxItems } = options;
  if (maxItems !== undefined && (!Number.isSafeInteger(maxItems) || maxItems < 0)) {
    throw invalidArgument(`maxItems must be a whole number >= 0, got ${String(maxItems)}`, source);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidArgument('signal must be an AbortSignal', source);
  }
  if (options.onInvalidRecord !== undefined && typeof options.onInvalidRecord !== 'function') {
    throw invalidArgument('onInvalidRecord must be a function', source);
  }
  if (options.onRequest !== undefined && typeof options.onRequest !== 'function') {
    throw invalidArgument('onRequest must be a function', source);
  }
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw invalidArgument('onWarning must be a function', source);
  }
  if (options.limiter !== undefined && typeof options.limiter?.run !== 'function') {
    throw invalidArgument('limiter must have a run(request) method', source);
  }
  let start = definition.strategy.first(pageSize);
  let skip = 0;
  if (options.startAt !== undefined) {
    const startAt = options.startAt;
    const parsed =
      typeof startAt === 'object' && startAt !== null && !Array.isArray(startAt)
        ? definition.strategy.parse(startAt)
        : undefined;
    const rawSkip = parsed === undefined ? undefined : (startAt.skip ?? 0);
    if (
      parsed === undefined ||
      typeof rawSkip !== 'number' ||
      !Number.isSafeInteger(rawSkip) ||
      rawSkip < 0
    ) {
      throw invalidArgument(
        `startAt is not a cursor of this listing: ${safePreview(startAt, definition.redact)}. Pass a page.next or error.cursor from the same kind of listing.`,
        source,
      );
    }
    start = parsed;
    skip = rawSkip;
  }
  return {
    start,
    startedAtFront: options.startAt === undefined,
    pageSize,
    skip,
    concurrency,
    maxItems,
    signal: options.signal,
    onInvalidRecord: options.onInvalidRecord,
    onWarning: options.onWarning,
    limiter: options.limiter,
    onRequest: options.onRequest,
  };
}

interface Slot<Cursor, Info> {
  cursor: Cursor;
  key: string;
  controller: AbortController;
  response: Promise<Answer<Info>>;
}

/** A page as fetched, and when its response arrived among the listing's responses. */
interface Answer<Info> {
  page: FetchedPage<Info>;
  arrival: number;
}

/** A page read and mapped: what the drift checks and the caller need of it. */
interface ReadPage<Cursor, Info, T> extends Snapshot {
  cursor: Cursor;
  page: FetchedPage<Info>;
  /** The page's valid records, mapped, with their keys (already-seen ones included). */
  entries: { key: string; item: T; index: number }[];
  /** Records that could not be mapped, with why. */
  invalid: { record: unknown; result: MapResult<T> & { ok: false }; index: number }[];
}

async function* iteratePages<Cursor extends PageCursor, Info, T>(
  definition: PaginatedListDefinition<Cursor, Info, T>,
  settings: Settings<Cursor>,
): AsyncGenerator<Page<T>, void, undefined> {
  const { source, strategy } = definition;
  const { signal, concurrency, maxItems, onInvalidRecord, onWarning } = settings;
  if (maxItems === 0) return;

  // Requests in flight (or answered, waiting their turn), in listing order. The head is always
  // the true next page; the rest are predictions from the strategy's plan.
  const queue: Slot<Cursor, Info>[] = [];
  let plan: Iterator<Cursor> | undefined;
  let truth: Cursor | null = settings.start;
  let skip = settings.skip;
  let yielded = 0;
  let stalled = 0;
  let emptyPages = 0;
  let isFirstPage = true;
  const seenItems = new RecentKeys(DEDUPE_WINDOW);
  const seenCursors = new RecentKeys(CURSOR_WINDOW);
  // Drift: what responses show of data changing while it is listed.
  const timeline = new Timeline();
  let drifting = false;
  let firstTotal: number | undefined;
  let pagesRead = 0;
  let rereads = 0;
  /** Records that turned up again later in the listing: each pushed the listing back by one. */
  let arrivalsAtFront = 0;
  /** Position of each record in the order it was yielded, to tell moved records in the sweep. */
  const yieldOrder = new Map<string, number>();

  const launch = (cursor: Cursor): Slot<Cursor, Info> => {
    const controller = new AbortController();
    const request = () =>
      // A request cancelled while waiting for the shared budget is never sent.
      controller.signal.aborted
        ? Promise.reject(abortedError(controller.signal, source))
        : definition.fetchPage(cursor, {
            signal: controller.signal,
            ...(settings.onRequest ? { onRequest: settings.onRequest } : {}),
          });
    const sent = settings.limiter ? settings.limiter.run(request) : request();
    const response = sent.then((page) => ({ page, arrival: timeline.arrive(page.total) }));
    // Predictions may fail or be dropped before anyone awaits them.
    response.catch(() => undefined);
    return { cursor, key: cursorKey(cursor), controller, response };
  };
  let head: Slot<Cursor, Info> | undefined;
  const cancelAll = () => {
    head?.controller.abort();
    for (const slot of queue) slot.controller.abort();
    queue.length = 0;
    plan = undefined;
  };
  const fill = () => {
    if (truth === null) return;
    const key = cursorKey(truth);
    if (queue.length > 0 && queue[0]?.key !== key) {
      // The vendor's true next page is not the one predicted: drop every prediction.
      cancelAll();
    }
    if (queue.length === 0) queue.push(launch(truth));
    while (plan !== undefined && queue.length < concurrency) {
      const step = plan.next();
      if (step.done) plan = undefined;
      else queue.push(launch(step.value));
    }
  };
  const onAbort = () => cancelAll();
  signal?.addEventListener('abort', onAbort, { once: true });

  /** Waits for a slot's answer; failures carry the cursor to resume from. */
  const answerOf = async (slot: Slot<Cursor, Info>, pageCursor: PageCursor) => {
    head = slot;
    try {
      return await slot.response;
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, source);
      throw withCursor(error, pageCursor, source);
    } finally {
      head = undefined;
    }
  };

  /**
   * Maps a page's records. Invalid ones are collected, to be reported (or thrown) only as far as
   * the caller consumes the page, as a listing that stops early never reads further.
   */
  const read = (cursor: Cursor, answer: Answer<Info>): ReadPage<Cursor, Info, T> => {
    const { page } = answer;
    const records = page.records;
    const cap = Math.max(
      MIN_RECORDS_PER_PAGE_CAP,
      RECORDS_PER_PAGE_FACTOR * pageLimit(cursor, settings.pageSize),
    );
    const pageCursor = publicCursor(cursor, 0);
    if (records.length > cap) {
      throw invalidListing(
        source,
        `a page of ${records.length} records for a page size of ${pageLimit(cursor, settings.pageSize)} is refused (at most ${cap}: ${RECORDS_PER_PAGE_FACTOR} x the page size, or ${MIN_RECORDS_PER_PAGE_CAP})`,
        pageCursor,
      );
    }
    const entries: ReadPage<Cursor, Info, T>['entries'] = [];
    const invalid: ReadPage<Cursor, Info, T>['invalid'] = [];
    for (let index = 0; index < records.length; index++) {
      const record = records[index];
      const result = safeMap(definition, record, index, page);
      if (result.ok) {
        entries.push({ key: definition.keyOf(result.value), item: result.value, index });
      } else {
        invalid.push({ record, result, index });
      }
    }
    return {
      cursor,
      page,
      entries,
      invalid,
      keys: entries.map((entry) => entry.key),
      total: page.total,
      arrival: answer.arrival,
    };
  };

  /** Reports (or throws) the invalid records of a page from `from` up to `to`. */
  const reportInvalid = (
    read: ReadPage<Cursor, Info, T>,
    from: number,
    to: number,
    pageCursor: PageCursor,
  ) => {
    for (const { record, result, index } of read.invalid) {
      if (index < from || index >= to) continue;
      const report = {
        source,
        raw: record,
        issues: result.issues,
        index,
        cursor: pageCursor,
        ...(result.id === undefined ? {} : { id: result.id }),
      };
      if (onInvalidRecord === undefined) throw invalidRecordError(report);
      onInvalidRecord(report);
    }
  };

  /**
   * Reads a page again, now: a repair, within the drift budget. A failure carries `resumeAt`, the
   * cursor of the page being worked on (what was before it was yielded already).
   */
  const reread = async (
    cursor: Cursor,
    resumeAt: PageCursor,
  ): Promise<ReadPage<Cursor, Info, T>> => {
    rereads += 1;
    const slot = launch(cursor);
    return read(cursor, await answerOf(slot, resumeAt));
  };
  /**
   * Re-reads cost at most one per page the listing read, plus a few: a drifting listing makes at
   * most twice the requests of its pages, and 4 more.
   */
  const canReread = () => rereads < pagesRead + REREAD_ALLOWANCE;

  const noteDrift = (snapshot: Snapshot) => {
    // A total left out is unknown, not a change.
    if (snapshot.total !== undefined) {
      if (firstTotal === undefined) firstTotal = snapshot.total;
      else if (snapshot.total !== firstTotal) drifting = true;
    }
    let repeats = 0;
    for (const key of snapshot.keys) if (isSeen(key)) repeats += 1;
    if (repeats > 0) {
      drifting = true;
      arrivalsAtFront += repeats;
    }
  };

  /** Tells the caller of something the listing could not do as promised (never silent). */
  const tell = onWarning ?? writeWarning;
  const warn = (message: string, cursor: PageCursor) => {
    tell({ source, code: 'drift_unrepaired', message, cursor });
  };

  /**
   * Makes the boundary between `previous` and `current` tight (see isTight), re-reading the page
   * that was answered first until it is: records that slipped back past the boundary turn up in
   * a new read of the page before it, records pushed forward in a new read of the page after.
   */
  const repair = async (
    previous: ReadPage<Cursor, Info, T>,
    current: ReadPage<Cursor, Info, T>,
    resumeAt: PageCursor,
    earlier: ReadPage<Cursor, Info, T>[] = [],
  ): Promise<{ recovered: T[]; current: ReadPage<Cursor, Info, T> }> => {
    const recovered: T[] = [];
    const recover = (read: ReadPage<Cursor, Info, T>) => {
      for (const entry of read.entries) {
        if (!isSeen(entry.key)) {
          markSeen(entry.key);
          recovered.push(entry.item);
        }
      }
    };
    const context = { timeline, drifting };
    let before = previous;
    let after = current;
    let attempt = 0;
    while (!isTight(before, after, context)) {
      if (attempt >= MAX_REPAIRS_PER_BOUNDARY || !canReread()) {
        warn(
          `${source}: the data kept changing around this page, and records may have been missed between it and the page before; list again to be sure`,
          resumeAt,
        );
        break;
      }
      attempt += 1;
      drifting = true;
      context.drifting = true;
      if (after.arrival > before.arrival) {
        before = await reread(before.cursor, resumeAt);
        // A new read that starts with a record never seen: more records slipped back than a
        // page holds, into the pages before it. Walk back while that is so.
        let newer = before;
        for (let back = earlier.length - 1; back >= 0 && canReread(); back--) {
          const head = newer.keys[0];
          if (head === undefined || isSeen(head)) break;
          const older = earlier[back];
          if (older === undefined) break;
          newer = await reread(older.cursor, resumeAt);
          recover(newer);
        }
        recover(before);
      } else {
        // The new read decides the boundary; the records of the first stay yielded, since they
        // existed then (one may have moved to the front since).
        const first = after;
        after = await reread(after.cursor, resumeAt);
        const now = new Set(after.keys);
        for (const entry of first.entries) {
          if (!now.has(entry.key)) after.entries.push(entry);
        }
      }
    }
    return { recovered, current: after };
  };

  /**
   * The first keys yielded, kept whole: the front sweep reads them again, after the rolling
   * dedupe window may have forgotten them.
   */
  const frontKeys = new Set<string>();
  const isSeen = (key: string) => seenItems.has(key) || frontKeys.has(key);
  const markSeen = (key: string) => {
    seenItems.add(key);
    if (frontKeys.size < DEDUPE_WINDOW) frontKeys.add(key);
  };

  /** The entries not yielded before (up to `room` of them), noted as yielded. */
  const fresh = <E extends { key: string }>(entries: readonly E[], room: number): E[] => {
    const chosen: E[] = [];
    for (const entry of entries) {
      if (chosen.length >= room) break;
      if (isSeen(entry.key)) continue;
      markSeen(entry.key);
      if (yieldOrder.size >= DEDUPE_WINDOW) {
        const oldest = yieldOrder.keys().next().value;
        if (oldest !== undefined) yieldOrder.delete(oldest);
      }
      yieldOrder.set(entry.key, yielded + chosen.length);
      chosen.push(entry);
    }
    return chosen;
  };

  let previous: ReadPage<Cursor, Info, T> | undefined;
  /** The pages read before `previous`, for walking back when records slip past more than one. */
  const earlier: ReadPage<Cursor, Info, T>[] = [];
  try {
    while (truth !== null) {
      if (signal?.aborted) throw abortedError(signal, source);
      fill();
      const slot = queue.shift();
      if (slot === undefined) break;
      const cursor = slot.cursor;
      const pageCursor = publicCursor(cursor, skip);
      seenCursors.add(slot.key);

      const answer = await answerOf(slot, pageCursor);
      if (signal?.aborted) throw abortedError(signal, source);
      pagesRead += 1;

      let current = read(cursor, answer);
      // Told here, where each page is read once and in order (repairs re-read pages elsewhere).
      for (const warning of current.page.warnings ?? []) {
        tell({ ...warning, source, cursor: pageCursor });
      }
      // Resumed inside a page: what comes before `skip` was yielded by the run that stopped.
      for (const entry of current.entries) if (entry.index < skip) markSeen(entry.key);
      let recovered: T[] = [];
      if (previous !== undefined && strategy.positional) {
        ({ recovered, current } = await repair(previous, current, pageCursor, earlier));
      }
      noteDrift(current);
      const records = current.page.records;
      let next = strategy.next(cursor, current.page);
      if (next !== null && !isWellFormedCursor(next)) {
        throw invalidListing(
          source,
          `the vendor's next-page cursor is not well-formed text: ${safePreview(next)}`,
          pageCursor,
        );
      }
      if (next !== null && seenCursors.has(cursorKey(next))) {
        tell({
          source,
          code: 'cursor_repeated',
          message:
            'the vendor named as the next page one it had named before: the listing ends there rather than loop, and records after it may be missing',
          cursor: pageCursor,
        });
        next = null;
      }

      const room = maxItems === undefined ? Number.POSITIVE_INFINITY : maxItems - yielded;
      if (records.length === 0 && !isFirstPage && !strategy.followsEmptyPages) {
        // The end; records a repair found before it still count, and those of a first read of
        // this page that is empty now.
        const items = recovered.slice(0, room);
        for (const entry of fresh(current.entries, room - items.length)) items.push(entry.item);
        yielded += items.length;
        if (items.length > 0) yield withTotal({ items, next: null }, current.page.total);
        break;
      }
      isFirstPage = false;
      emptyPages = records.length === 0 ? emptyPages + 1 : 0;
      if (emptyPages > MAX_EMPTY_PAGES) {
        throw invalidListing(
          source,
          `${emptyPages} empty pages in a row, each naming another; the vendor is not advancing`,
          pageCursor,
        );
      }

      // Records a repair found (already noted as seen) come first: they stood before this page.
      const items = recovered.slice(0, room);
      const droppedRecovered = recovered.length > items.length;
      const own = fresh(current.entries, room - items.length);
      for (const entry of own) items.push(entry.item);
      // Where reading this page stopped, when maxItems cut it short.
      const full = items.length >= room;
      const consumed = !full ? records.length : (own.at(-1)?.index ?? skip - 1) + 1;
      reportInvalid(current, skip, consumed, pageCursor);
      const sawNew = items.length > 0 || current.invalid.some((bad) => bad.index >= skip);
      skip = 0;
      yielded += items.length;

      if (records.length > 0 && !sawNew) {
        stalled += 1;
        if (stalled >= MAX_STALLED_PAGES) {
          throw invalidListing(
            source,
            `${stalled} pages in a row held only records already listed; the vendor is not advancing`,
            pageCursor,
          );
        }
      } else {
        stalled = 0;
      }

      const cutShort = consumed < records.length;
      const total = current.page.total;
      if (cutShort || droppedRecovered || (maxItems !== undefined && yielded >= maxItems)) {
        cancelAll();
        truth = null;
        // Records recovered from the page before and left out: resume there (some records may
        // come again; none is lost).
        const resumeAt =
          droppedRecovered && previous !== undefined
            ? publicCursor(previous.cursor, 0)
            : cutShort
              ? publicCursor(cursor, consumed)
              : next && publicCursor(next, 0);
        yield withTotal({ items, next: resumeAt }, total);
        return;
      }

      if (next !== null && concurrency > 1 && plan === undefined && queue.length === 0) {
        plan = strategy.plan?.(cursor, current.page, next)[Symbol.iterator]();
      }
      if (previous !== undefined) {
        earlier.push(previous);
        if (earlier.length > MAX_REPAIRS_PER_BOUNDARY) earlier.shift();
      }
      previous = current;
      truth = next;
      if (truth === null) cancelAll();
      else fill(); // keep requests flying while the caller works on this page
      yield withTotal({ items, next: truth && publicCursor(truth, 0) }, total);
    }

    // Records moved or inserted ahead of where the listing had got to are at the front now:
    // when drift was seen, read the front again until it holds nothing new.
    const room = maxItems === undefined ? Number.POSITIVE_INFINITY : maxItems - yielded;
    if (drifting && settings.startedAtFront && strategy.positional && room > 0) {
      yield* sweepFront();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    cancelAll();
  }

  /**
   * Reads the front again. Best effort: everything before was yielded, so a failure here (or the
   * re-read budget running out) is a warning, not an error that would undo a finished listing.
   */
  async function* sweepFront(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: Cursor | null = strategy.first(settings.pageSize);
    let before: ReadPage<Cursor, Info, T> | undefined;
    let beforeClean = false;
    let covered = 0;
    const front = publicCursor(cursor, 0);
    while (cursor !== null) {
      if (signal?.aborted) throw abortedError(signal, source);
      if (!canReread() || covered >= DEDUPE_WINDOW) {
        warn(
          `${source}: records moved to the front while the listing ran may have been missed; list again to be sure`,
          front,
        );
        return;
      }
      let page: ReadPage<Cursor, Info, T>;
      let recovered: T[] = [];
      try {
        page = await reread(cursor, front);
        if (before !== undefined)
          ({ recovered, current: page } = await repair(before, page, front));
      } catch (error) {
        if (signal?.aborted) throw abortedError(signal, source);
        warn(
          `${source}: reading the front again for records moved there failed (${safeText(error instanceof Error ? error.message : String(error))}); list again to be sure`,
          front,
        );
        return;
      }
      // A record moved to the front while the sweep ran (this page repeats more of the one before
      // it than new records explain) now stands before the sweep. Start again.
      if (before !== undefined && movedSince(before, page)) {
        before = undefined;
        beforeClean = false;
        covered = 0;
        cursor = strategy.first(settings.pageSize);
        continue;
      }
      const room = maxItems === undefined ? Number.POSITIVE_INFINITY : maxItems - yielded;
      const unseen = page.entries.some((entry) => !isSeen(entry.key));
      const items = recovered.slice(0, room);
      for (const entry of fresh(page.entries, room - items.length)) items.push(entry.item);
      yielded += items.length;
      covered += page.entries.length;
      const next = strategy.next(cursor, page.page);
      if (items.length > 0) yield withTotal({ items, next: null }, page.page.total);
      if (maxItems !== undefined && yielded >= maxItems) return;
      // The front is done when it has been read at least as deep as records arrived at it, and
      // two pages in a row (or the last page) hold nothing new with their records in the order
      // they were first listed. Two, because a record that moved to the front shows only
      // against the one after it: the last record of a page is judged with the next page.
      const clean = !unseen && recovered.length === 0;
      if (
        clean &&
        covered >= arrivalsAtFront &&
        (next === null
          ? inOrder(page.keys)
          : beforeClean && before !== undefined && inOrder([...before.keys, ...page.keys]))
      ) {
        return;
      }
      beforeClean = clean;
      before = page;
      cursor = next;
    }
  }

  function movedSince(before: Snapshot, after: Snapshot): boolean {
    const earlier = new Set(before.keys);
    const repeated = after.keys.filter((key) => earlier.has(key)).length;
    const grown = (after.total ?? 0) - (before.total ?? after.total ?? 0);
    return repeated > Math.max(0, grown);
  }

  function inOrder(keys: readonly string[]): boolean {
    let last = -1;
    for (const key of keys) {
      const position = yieldOrder.get(key);
      if (position === undefined) continue;
      if (position < last) return false;
      last = position;
    }
    return true;
  }
}

/** Without an `onWarning` handler: the warning is written, never dropped. */
function writeWarning(warning: ListingWarning): void {
  console.warn(`chat-history-kit warning (${warning.code}): ${safeText(warning.message, 500)}`);
}

function safeMap<Cursor extends PageCursor, Info, T>(
  definition: PaginatedListDefinition<Cursor, Info, T>,
  record: unknown,
  index: number,
  page: FetchedPage<Info>,
): MapResult<T> {
  if (exceedsDepth(record, MAX_RECORD_DEPTH)) {
    // Checked before anything walks the record: code that recurses (zod, JSON.stringify, a
    // database driver) would overflow the stack on it.
    return {
      ok: false,
      issues: [
        {
          code: 'too_deep',
          path: [],
          message: `the record is nested more than ${MAX_RECORD_DEPTH} levels deep`,
        },
      ],
      id: readRecordId(record),
    };
  }
  try {
    return definition.mapRecord(record, index, page);
  } catch (error) {
    const issue: RecordIssue = {
      code: 'custom',
      path: [],
      message: safeText(error instanceof Error ? error.message : String(error)),
    };
    return { ok: false, issues: [issue], id: readRecordId(record) };
  }
}

/** The page size a cursor asks for (`limit`), or the listing's. */
function pageLimit(cursor: PageCursor, fallback: number): number {
  const limit = cursor.limit;
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? limit : fallback;
}

/** Whether every string of a vendor-made cursor can be put in a URL. */
function isWellFormedCursor(cursor: PageCursor): boolean {
  for (const value of Object.values(cursor)) {
    if (typeof value === 'string' && !isWellFormedText(value)) return false;
  }
  return true;
}

function invalidRecordError(report: {
  source: string;
  issues: readonly RecordIssue[];
  index: number;
  id?: string;
  cursor: PageCursor;
}): ChatHistoryError {
  const which =
    report.id === undefined
      ? `record #${report.index}`
      : `record ${quoted(report.id, 100)} (#${report.index})`;
  const first = report.issues[0];
  const where =
    first && first.path.length > 0 ? safeText(first.path.map(String).join('.'), 100) : '(record)';
  const more = report.issues.length > 1 ? ` (+${report.issues.length - 1} more issues)` : '';
  return invalidListing(
    report.source,
    `invalid ${which} at ${where}: ${safeText(first?.message ?? 'invalid')}${more}. Pass onInvalidRecord to skip such records and keep them.`,
    report.cursor,
  );
}

function withCursor(error: unknown, cursor: PageCursor, source: string): ChatHistoryError {
  if (ChatHistoryError.is(error)) {
    if (error.cursor === undefined) error.cursor = cursor;
    return error;
  }
  return invalidListing(
    source,
    `reading a page failed: ${safeText(error instanceof Error ? error.message : String(error))}`,
    cursor,
    error,
  );
}

function publicCursor<Cursor extends PageCursor>(cursor: Cursor, skip: number): PageCursor {
  return skip > 0 ? { ...cursor, skip } : { ...cursor };
}

function withTotal<T>(page: Page<T>, total: number | undefined): Page<T> {
  if (total !== undefined) page.total = total;
  return page;
}

function cursorKey(cursor: PageCursor): string {
  return JSON.stringify(cursor);
}

function safePreview(value: unknown, redact?: (text: string) => string): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return safeText(redact === undefined ? text : redact(text), 80);
}
