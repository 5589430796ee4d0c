import type { JsonObject } from '../model/json.js';

/**
 * Every code a {@link ChatHistoryError} can carry, each with what it means and what to do. The
 * keys are the codes; the values say whether the failure is transient by default.
 */
export interface ChatHistoryErrorCodes {
  /** 401: the credentials were refused. Check the API key; not retried. */
  unauthorized: false;
  /** 403: the credentials are valid but may not read this resource. Not retried. */
  forbidden: false;
  /** 404 or 410: no such conversation, chatbot or path (a wrong id or base URL). Not retried. */
  not_found: false;
  /** 429: the vendor's rate limit. Retried after `retryAfterMs` (or backoff), then thrown. */
  rate_limited: true;
  /**
   * The request itself is wrong: a caller's invalid argument or option (thrown at the call,
   * before any request), or a 4xx the vendor gave for it. Not retried.
   */
  bad_request: false;
  /** 5xx: the vendor failed. Retried with backoff, then thrown. */
  server_error: true;
  /** No HTTP answer (connection refused or reset, DNS failure, CORS). Retried, then thrown. */
  network: true;
  /** An attempt took longer than `timeout` (or the vendor answered 408). Retried, then thrown. */
  timeout: true;
  /** The caller's `AbortSignal` fired. Never retried. */
  aborted: false;
  /**
   * The vendor's answer cannot be used: not JSON, a malformed envelope or record, past a size or
   * nesting limit, a refused redirect, a listing that does not advance. Not retried.
   */
  invalid_response: false;
  /** The source cannot do what was asked (a listing or filter its vendor lacks). Not retried. */
  unsupported: false;
  /**
   * Another sync holds the store: a DuckDB file another process (or another `openStore` in this
   * one) has open, or a PostgreSQL store another `syncHistory` is writing. Try again once it ends.
   */
  store_locked: true;
  /**
   * The store failed: it cannot be reached or opened, a statement failed, or it was made by a
   * newer version of this library. `retryable` is true when the connection failed.
   */
  store_failed: false;
  /** The database driver a store needs is not installed; the message says what to install. */
  driver_missing: false;
}

/** What went wrong, in a form callers can switch on: see {@link ChatHistoryErrorCodes}. */
export type ChatHistoryErrorCode = keyof ChatHistoryErrorCodes;

/** Everything a {@link ChatHistoryError} can be built from. */
export interface ChatHistoryErrorOptions {
  code: ChatHistoryErrorCode;
  /** Provider key of the source that failed (`'okchat'`, `'chats-v1'`), when one is involved. */
  source?: string | undefined;
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number | undefined;
  /** Whether trying the same request again may succeed. Defaults from `code`. */
  retryable?: boolean | undefined;
  /** HTTP method of the failed request. */
  method?: string | undefined;
  /** Path of the failed request, without its query string. */
  path?: string | undefined;
  /** How many attempts were made before giving up (1 when there was no retry). */
  attempts?: number | undefined;
  /**
   * Where the failed page starts: pass it as `startAt` to resume exactly there. Set by the
   * pagination engine on errors thrown while fetching or reading a page.
   */
  cursor?: JsonObject | undefined;
  /** Delay the vendor asked for before trying again (`Retry-After`), in milliseconds. */
  retryAfterMs?: number | undefined;
  /** The underlying error, already stripped of secrets. */
  cause?: unknown;
}

const BRAND = Symbol.for('chat-history-kit.ChatHistoryError');

const RETRYABLE_BY_DEFAULT: {
  readonly [Code in ChatHistoryErrorCode]: ChatHistoryErrorCodes[Code];
} = {
  unauthorized: false,
  forbidden: false,
  not_found: false,
  rate_limited: true,
  bad_request: false,
  server_error: true,
  network: true,
  timeout: true,
  aborted: false,
  invalid_response: false,
  unsupported: false,
  store_locked: true,
  store_failed: false,
  driver_missing: false,
};

/**
 * The one error type the library throws. Switch on `code`; `retryable` says whether the same
 * request may succeed later. Messages name the method, path and status of the failed request and
 * never contain credentials or query strings.
 */
export class ChatHistoryError extends Error {
  override readonly name: string = 'ChatHistoryError';
  readonly code: ChatHistoryErrorCode;
  readonly source: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly attempts: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Where the failed page starts: pass it back as `startAt` to resume without loss. */
  cursor: JsonObject | undefined;

  constructor(message: string, options: ChatHistoryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.source = options.source;
    this.status = options.status;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[options.code] === true;
    this.method = options.method;
    this.path = options.path;
    this.attempts = options.attempts;
    this.retryAfterMs = options.retryAfterMs;
    this.cursor = options.cursor;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True for any `ChatHistoryError`, including one created by another copy of the library (another
   * realm or a duplicated install), where `instanceof` would say no.
   */
  static is(value: unknown): value is ChatHistoryError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value instanceof ChatHistoryError || (value as Record<symbol, unknown>)[BRAND] === true)
    );
  }

  /** A plain, secret-free object for logs and structured error reporting. */
  toJSON(): JsonObject {
    const json: JsonObject = {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.source !== undefined) json.source = this.source;
    if (this.status !== undefined) json.status = this.status;
    if (this.method !== undefined) json.method = this.method;
    if (this.path !== undefined) json.path = this.path;
    if (this.attempts !== undefined) json.attempts = this.attempts;
    if (this.retryAfterMs !== undefined) json.retryAfterMs = this.retryAfterMs;
    if (this.cursor !== undefined) json.cursor = this.cursor;
    if (this.cause instanceof Error) {
      json.cause = { name: this.cause.name, message: this.cause.message };
    }
    return json;
  }
}
