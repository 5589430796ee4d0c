import {
  ChatHistoryError,
  type CursorInfo,
  cursorStrategy,
  type OffsetInfo,
  offsetStrategy,
  type PageCursor,
  type PageNumberInfo,
  type PaginatedListDefinition,
  type PaginationStrategy,
  pageNumberStrategy,
} from '../../src/index.js';

export interface Item {
  id: string;
  n: number;
}

export type Kind = 'page' | 'offset' | 'cursor';

export interface FakeListingOptions {
  kind: Kind;
  /** Records in the listing. */
  count: number;
  /** The server returns at most this many records per page, whatever limit it is asked for. */
  clamp?: number;
  /** Total the envelope claims (defaults to the truth). `null`: the envelope gives none. */
  reportedTotal?: number | null;
  /** Milliseconds before a request answers, per request number (0-based). */
  latency?: (request: number, cursor: PageCursor) => number;
  /** Makes request number `request` fail with this error instead of answering. */
  fail?: (request: number, cursor: PageCursor) => ChatHistoryError | undefined;
  /** Replaces the records of a page (to inject bad records). */
  alter?: (records: unknown[], cursor: PageCursor) => unknown[];
  /** Records returned at a given start index instead of the truth (to simulate shifting data). */
  recordsAt?: (start: number, size: number) => unknown[];
  /** Overrides `hasMore` / next cursor of the envelope. */
  hasMore?: (truth: boolean, start: number) => boolean | null;
}

export interface FakeListing {
  definition: PaginatedListDefinition<PageCursor, unknown, Item>;
  items: Item[];
  /** Cursors of every request sent, in the order they were sent. */
  requests: PageCursor[];
  /** Requests whose signal was aborted before they answered. */
  cancelled: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
  inFlight: number;
}

export function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, n) => ({ id: `item-${String(n).padStart(6, '0')}`, n }));
}

/** A vendor listing simulated in memory, behind the engine's provider interface. */
export function createFakeListing(options: FakeListingOptions): FakeListing {
  const items = makeItems(options.count);
  const clamp = options.clamp ?? Number.POSITIVE_INFINITY;
  const recordsAt =
    options.recordsAt ?? ((start: number, size: number) => items.slice(start, start + size));
  const state: Omit<FakeListing, 'definition' | 'items'> = {
    requests: [],
    cancelled: 0,
    maxInFlight: 0,
    inFlight: 0,
  };

  const strategy = pickStrategy(options.kind) as PaginationStrategy<PageCursor, unknown>;

  function window(cursor: PageCursor): { start: number; size: number } {
    const limit = Number(cursor.limit);
    const size = Math.min(limit, clamp);
    if (options.kind === 'page') return { start: (Number(cursor.page) - 1) * size, size };
    if (options.kind === 'offset') return { start: Number(cursor.offset), size };
    const token = cursor.cursor;
    return { start: token === null ? 0 : Number(String(token).slice(2)), size };
  }

  function envelope(cursor: PageCursor, records: unknown[]) {
    const { start, size } = window(cursor);
    const reported = options.reportedTotal === undefined ? items.length : options.reportedTotal;
    const truthMore = start + records.length < items.length;
    const hasMore = options.hasMore ? options.hasMore(truthMore, start) : truthMore;
    if (options.kind === 'page') {
      const info: PageNumberInfo = {
        totalPages: reported === null ? null : Math.ceil(reported / size),
      };
      return { records, info, total: reported ?? undefined };
    }
    if (options.kind === 'offset') {
      const info: OffsetInfo = { hasMore };
      return { records, info, total: reported ?? undefined };
    }
    const info: CursorInfo = { nextCursor: hasMore ? `c-${start + records.length}` : null };
    return { records, info };
  }

  const definition: FakeListing['definition'] = {
    source: 'fake',
    strategy,
    defaultPageSize: 10,
    maxPageSize: 1000,
    keyOf: (item) => item.id,
    mapRecord(record) {
      if (
        typeof record === 'object' &&
        record !== null &&
        typeof (record as Item).id === 'string' &&
        typeof (record as Item).n === 'number'
      ) {
        return { ok: true, value: { ...(record as Item) } };
      }
      const id = (record as { id?: unknown } | null)?.id;
      return {
        ok: false,
        issues: [{ code: 'invalid_type', path: ['n'], message: 'expected a number' }],
        id: typeof id === 'string' ? id : undefined,
      };
    },
    fetchPage(cursor, { signal }) {
      const request = state.requests.length;
      state.requests.push(cursor);
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const delay = options.latency?.(request, cursor) ?? 0;
      return new Promise((resolve, reject) => {
        const finish = () => {
          state.inFlight -= 1;
          signal.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          clearTimeout(timer);
          state.cancelled += 1;
          finish();
          reject(new ChatHistoryError('aborted', { code: 'aborted', source: 'fake' }));
        };
        const timer = setTimeout(() => {
          finish();
          const failure = options.fail?.(request, cursor);
          if (failure) {
            reject(failure);
            return;
          }
          const { start, size } = window(cursor);
          let records = recordsAt(start, size);
          if (options.alter) records = options.alter(records, cursor);
          resolve(envelope(cursor, records));
        }, delay);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  return Object.assign(state, { definition, items });
}

function pickStrategy(kind: Kind) {
  if (kind === 'page') return pageNumberStrategy();
  if (kind === 'offset') return offsetStrategy();
  return cursorStrategy();
}

export function serverError(status = 503): ChatHistoryError {
  return new ChatHistoryError(`GET /items -> ${status} server_error (fake)`, {
    code: 'server_error',
    source: 'fake',
    status,
  });
}
