import type { RequestSent } from '../http/http-client.js';
import type { JsonObject } from '../model/json.js';

/**
 * Where a page starts, as plain JSON: store it anywhere and pass it back as `startAt` to resume
 * exactly there. Its fields depend on how the vendor paginates (`{ page, limit }`,
 * `{ offset, limit }`, `{ cursor, limit }`), plus `skip` when a run stopped inside a page.
 */
export type PageCursor = JsonObject;
export type { RequestSent };

/** One page of results, as `Paginated.pages()` yields it. */
export interface Page<T> {
  /** The page's records, mapped, validated and never seen before in this listing. */
  items: T[];
  /** Cursor of the following page (pass it as `startAt` to resume), or `null` on the last page. */
  next: PageCursor | null;
  /** Total number of records the vendor reports, when it does (a hint: vendors can be wrong). */
  total?: number;
}

/** A problem found in one vendor record; zod issues have this shape. */
export interface RecordIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A vendor record that could not be mapped, as given to `onInvalidRecord`. */
export interface InvalidRecord {
  /** Provider key of the source. */
  source: string;
  /** The record exactly as received. */
  raw: unknown;
  /** What is wrong with it. */
  issues: readonly RecordIssue[];
  /** Position of the record in its page. */
  index: number;
  /** The record's id, when it has a readable one. */
  id?: string;
  /** Cursor of the page the record came from. */
  cursor: PageCursor;
}

/**
 * Something a listing could not do as promised, told rather than kept silent: the vendor's data
 * kept changing past what the listing could repair (`drift_unrepaired`), so records may have been
 * missed; list again (or from `cursor`) to be sure.
 */
/** The vendor's data kept changing past what the listing could repair: records may be missing. */
export interface DriftWarning {
  source: string;
  code: 'drift_unrepaired';
  message: string;
  /** Where the listing stood. */
  cursor: PageCursor;
}

/**
 * A vendor limit cut a conversation short: the API returned only part of its records (Intercom
 * returns at most the 500 most recent parts of a conversation).
 */
export interface TruncatedWarning {
  source: string;
  code: 'truncated';
  message: string;
  conversationId: string;
  /** Records the vendor returned, and how many it says there are. */
  returned: number;
  total: number;
  /** The page that was cut short. */
  cursor: PageCursor;
}

/**
 * The vendor named as the next page a cursor it had named before: the listing ends there rather
 * than loop, and records after it may be missing.
 */
export interface CursorRepeatedWarning {
  source: string;
  code: 'cursor_repeated';
  message: string;
  /** The page whose answer repeated a cursor. */
  cursor: PageCursor;
}

/** What a listing tells `onWarning`: something it could not do as promised, and carried on. */
export type ListingWarning = DriftWarning | TruncatedWarning | CursorRepeatedWarning;

/** A warning a provider's page carries; the engine adds the source and the page's cursor. */
export type PageWarning = Omit<TruncatedWarning, 'source' | 'cursor'>;

/**
 * A budget of requests in flight shared by several listings: each page request runs through it.
 * `exportHistory` shares one between the conversation listing and every message listing.
 */
export interface RequestLimiter {
  run<T>(request: () => Promise<T>): Promise<T>;
}

/** Options every list call takes. */
export interface PaginateOptions {
  /**
   * Records asked for per request. Vendors may return fewer (they may clamp it); that is handled.
   * @default set by each source (50 for the built-in ones)
   */
  pageSize?: number;
  /** Stop after this many records (the last page is cut short, and its `next` points inside it). */
  maxItems?: number;
  /** Aborting it cancels requests in flight and makes iteration throw code `aborted`. */
  signal?: AbortSignal;
  /** A `page.next` (or `error.cursor`) from an earlier run: start exactly there. */
  startAt?: PageCursor;
  /**
   * Requests kept in flight at once once the vendor reveals how many pages there are. Items are
   * still yielded strictly in order, and at most this many pages are held in memory.
   * @default 1
   */
  concurrency?: number;
  /**
   * Called with each vendor record that cannot be mapped; iteration then goes on without it.
   * Without a handler, such a record makes iteration throw code `invalid_response`.
   */
  onInvalidRecord?: (record: InvalidRecord) => void;
  /**
   * Told when the listing could not keep a promise and carried on: the vendor's data kept
   * changing past what it could repair (`drift_unrepaired`), a vendor limit cut a conversation
   * short (`truncated`), or the vendor named a page it had named before and the listing ended
   * there (`cursor_repeated`). Each warning is told once.
   * @default each warning written once with `console.warn`
   */
  onWarning?: (warning: ListingWarning) => void;
  /** Runs every page request through a budget shared with other listings. */
  limiter?: RequestLimiter;
  /**
   * Told of every HTTP request the listing sends: each attempt (retries included) and each
   * redirect followed, for counting and tracing.
   */
  onRequest?: (request: RequestSent) => void;
}

/** Result of mapping one vendor record. */
export type MapResult<T> =
  | { ok: true; value: T }
  | { ok: false; issues: readonly RecordIssue[]; id?: string | undefined };

/** One page as a provider fetched it: the raw records and what the envelope says. */
export interface FetchedPage<Info> {
  records: readonly unknown[];
  info: Info;
  /** Total number of records, when the envelope says. */
  total?: number | undefined;
  /** Vendor limits this page hit, told to `onWarning` once, when the page is read in order. */
  warnings?: readonly PageWarning[] | undefined;
}

/**
 * How a vendor paginates: where the first page is, which request follows a response, and, when a
 * response reveals the total, which requests are likely to follow (so they can be sent early).
 */
export interface PaginationStrategy<Cursor extends PageCursor, Info> {
  /** Cursor of the first page. */
  first(pageSize: number): Cursor;
  /** Reads a cursor given back as `startAt`; `undefined` when it is not one of this strategy's. */
  parse(value: JsonObject): Cursor | undefined;
  /**
   * Whether an empty page that names a next page is followed (cursor listings) rather than taken
   * as the end (page-number and offset listings, whose empty page is the end whatever the envelope
   * says).
   * @default false
   */
  followsEmptyPages?: boolean;
  /**
   * Whether pages address records by position (page numbers, offsets): a record inserted,
   * deleted or moved before a page shifts it, so the engine watches for drift and repairs page
   * boundaries. Cursor listings address records by key and need none of that.
   * @default false
   */
  positional?: boolean;
  /** The request after `cursor`'s page, or `null` when that page was the last. */
  next(cursor: Cursor, page: FetchedPage<Info>): Cursor | null;
  /**
   * Requests expected after `next`, when the page tells how many remain. Predictions only: each
   * is checked against the true chain of `next` before its items are used.
   */
  plan?(cursor: Cursor, page: FetchedPage<Info>, next: Cursor): Iterable<Cursor>;
}

/** Everything the engine needs from a provider to list one kind of record. */
export interface PaginatedListDefinition<Cursor extends PageCursor, Info, T> {
  /** Provider key, named in errors and invalid-record reports. */
  source: string;
  strategy: PaginationStrategy<Cursor, Info>;
  /** Fetches and reads one page. Must honour `signal`. */
  fetchPage(
    cursor: Cursor,
    context: { signal: AbortSignal; onRequest?: PaginateOptions['onRequest'] },
  ): Promise<FetchedPage<Info>>;
  /**
   * Validates and maps one record, at `index` of `page` (the page `fetchPage` returned). May
   * throw; a throw counts as an invalid record.
   */
  mapRecord(record: unknown, index: number, page: FetchedPage<Info>): MapResult<T>;
  /** Identity of a mapped item, to never yield the same one twice. */
  keyOf(item: T): string;
  /** Page size when the caller sets none. */
  defaultPageSize: number;
  /** Largest page size the vendor accepts. */
  maxPageSize?: number;
  /**
   * Removes the source's secrets from a text: every error leaving the listing goes through it,
   * so a key a vendor echoes (in an id, a date, a cursor) is never shown.
   */
  redact?: (text: string) => string;
}
