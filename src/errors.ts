import type { JsonObject } from 'type-fest';
import { type Redactor, redactJson, sanitizeError } from './redact.js';

/**
 * What went wrong, in a form callers can switch on. Every failure that leaves the library carries
 * one of these codes.
 */
export type ChatHistoryErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'bad_request'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'invalid_response'
  | 'unsupported';

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

const RETRYABLE_CODES: ReadonlySet<ChatHistoryErrorCode> = new Set([
  'rate_limited',
  'server_error',
  'network',
  'timeout',
]);

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
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(options.code);
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

/** Maps an HTTP status to the error code callers switch on. */
export function codeForStatus(status: number): ChatHistoryErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

/** Whether a response with this status is worth sending again (408, 429 and 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Reads an options argument: `undefined` is no options; anything but a plain object (`null`, a
 * string, an array) is `bad_request`, never a `TypeError` from destructuring it.
 */
export function optionsObject<T extends object>(
  value: T | undefined,
  what: string,
  source?: string,
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(
      `${what} must be an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
      source,
    );
  }
  return value;
}

/** Error for a caller's invalid argument or option: thrown at the call, before any request. */
export function invalidArgument(message: string, source?: string): ChatHistoryError {
  return new ChatHistoryError(message, { code: 'bad_request', source, retryable: false });
}

/**
 * A copy of `error` with some fields replaced. The copy's stack is captured anew, so it starts
 * with the new message.
 */
export function copyError(
  error: ChatHistoryError,
  changes: Partial<ChatHistoryErrorOptions> & { message?: string },
): ChatHistoryError {
  const { message = error.message, ...options } = changes;
  return new ChatHistoryError(message, {
    code: error.code,
    source: error.source,
    status: error.status,
    retryable: error.retryable,
    method: error.method,
    path: error.path,
    attempts: error.attempts,
    cursor: error.cursor,
    retryAfterMs: error.retryAfterMs,
    cause: error.cause,
    ...options,
  });
}

/**
 * A copy of `error` with every text it carries passed through `redact`: message, path, cursor and
 * the whole cause chain (copied by {@link sanitizeError}, which keeps only names, messages, codes
 * and stacks).
 */
export function redactError(error: ChatHistoryError, redact: Redactor): ChatHistoryError {
  return copyError(error, {
    message: redact(error.message),
    path: error.path === undefined ? undefined : redact(error.path),
    cursor: error.cursor === undefined ? undefined : redactJson(error.cursor, redact),
    cause: error.cause === undefined ? undefined : sanitizeError(error.cause, redact),
  });
}
