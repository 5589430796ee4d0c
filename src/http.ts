import { FetchError, ofetch } from 'ofetch';
import {
  ChatHistoryError,
  type ChatHistoryErrorCode,
  codeForStatus,
  invalidArgument,
  isRetryableStatus,
} from './errors.js';
import { createRedactor, type Redactor, sanitizeError } from './redact.js';
import { RequestGate } from './request-gate.js';
import {
  abortedError,
  backoffDelay,
  parseRetryAfter,
  type RetryOptions,
  resolveRetryOptions,
  sleep,
} from './retry.js';
import { VERSION } from './version.js';

/** A `fetch` implementation: the global one, a proxy-aware one, or a test double. */
export type FetchFunction = (
  input: Request | string | URL,
  init?: RequestInit,
) => Promise<Response>;

/** Options every source accepts for its HTTP traffic. */
export interface HttpOptions {
  /**
   * `fetch` to send requests with: plug in proxies, edge runtimes or test servers here.
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /**
   * Milliseconds one attempt may take, body included, before it fails with code `timeout`
   * (and is retried like any other transient failure).
   * @default 30000
   */
  timeout?: number;
  /**
   * Retries for transient failures (network errors, timeouts, 408, 429, 5xx): a number of
   * retries, `false` for none, or full {@link RetryOptions}.
   * @default { retries: 3, baseDelayMs: 250, maxDelayMs: 30000 }
   */
  retry?: number | false | RetryOptions;
  /**
   * Most requests this source starts per second, shared by every call on it: set it to the
   * vendor's published limit. Request starts are spaced evenly.
   * @default unlimited
   */
  maxRequestsPerSecond?: number;
}

export interface HttpClientOptions extends HttpOptions {
  /** Provider key, named in every error. */
  source: string;
  baseURL: string;
  /** Headers sent with every request (authentication). */
  headers: Record<string, string>;
  /** Values that must never appear in an error, a log or a serialized error. */
  secrets: readonly string[];
}

export type QueryValue = string | number | boolean | undefined;

export interface GetJsonOptions {
  query?: Record<string, QueryValue>;
  signal?: AbortSignal | undefined;
}

/** The one HTTP client adapters use: JSON GETs with auth, timeouts, retries and typed errors. */
export interface HttpClient {
  readonly source: string;
  /** GETs `path` (relative to the base URL) and returns the parsed JSON body. */
  getJson(path: string, options?: GetJsonOptions): Promise<unknown>;
  /** Requests in flight the vendor currently tolerates: `Infinity` until it answers 429. */
  readonly inFlightLimit: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const VENDOR_MESSAGE_LIMIT = 200;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { source } = options;
  const baseURL = validateBaseURL(options.baseURL, source);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw invalidArgument(
      `timeout must be a positive number of milliseconds, got ${timeout}`,
      source,
    );
  }
  const retry = resolveRetryOptions(options.retry);
  if (!Number.isInteger(retry.retries) || retry.retries < 0) {
    throw invalidArgument(
      `retry.retries must be a whole number >= 0, got ${retry.retries}`,
      source,
    );
  }
  const { maxRequestsPerSecond } = options;
  if (
    maxRequestsPerSecond !== undefined &&
    (typeof maxRequestsPerSecond !== 'number' ||
      !(maxRequestsPerSecond > 0) ||
      !Number.isFinite(maxRequestsPerSecond))
  ) {
    throw invalidArgument(
      `maxRequestsPerSecond must be a positive number, got ${String(maxRequestsPerSecond)}`,
      source,
    );
  }
  const gate = new RequestGate(source, maxRequestsPerSecond);
  const redact = createRedactor(options.secrets);
  const $fetch = ofetch.create(
    {
      baseURL,
      headers: {
        accept: 'application/json',
        'user-agent': `chat-history-kit/${VERSION}`,
        ...options.headers,
      },
      // Retries, timeouts and status handling live below, where they can honour Retry-After,
      // the caller's signal and our error codes.
      retry: false,
      ignoreResponseError: true,
      responseType: 'text',
    },
    options.fetch ? { fetch: options.fetch } : {},
  );

  async function getJson(path: string, { query, signal }: GetJsonOptions = {}): Promise<unknown> {
    const request = { method: 'GET', path, source };
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError(signal, source);
      const outcome = await attemptOnce(path, query, signal, request);
      if (outcome.ok) return parseJson(outcome.body, request, outcome.status, redact);
      const failure = outcome.error;
      if (!failure.retryable || attempt > retry.retries) throw withAttempts(failure, attempt);
      const wait = Math.min(
        retry.maxDelayMs,
        failure.retryAfterMs ?? backoffDelay(attempt - 1, retry),
      );
      await sleep(wait, signal, source);
    }
  }

  async function attemptOnce(
    path: string,
    query: Record<string, QueryValue> | undefined,
    signal: AbortSignal | undefined,
    request: RequestDescription,
  ): Promise<{ ok: true; status: number; body: string } | { ok: false; error: ChatHistoryError }> {
    const ticket = await gate.acquire(signal);
    let throttled = false;
    const deadline = linkDeadline(signal, timeout);
    try {
      const response = await $fetch.raw<string, 'text'>(path, {
        query: definedQuery(query),
        signal: deadline.signal,
      });
      const body = response._data ?? '';
      throttled = response.status === 429;
      if (response.ok) return { ok: true, status: response.status, body };
      return {
        ok: false,
        error: statusError(response.status, response.headers, body, request, redact),
      };
    } catch (error) {
      if (signal?.aborted) throw abortedError(signal, source);
      if (deadline.timedOut()) {
        const message = describe(request, `timeout after ${timeout} ms`);
        return { ok: false, error: new ChatHistoryError(message, { ...request, code: 'timeout' }) };
      }
      return { ok: false, error: networkError(error, request, redact) };
    } finally {
      deadline.dispose();
      gate.release(ticket, throttled);
    }
  }

  return {
    source,
    getJson,
    get inFlightLimit() {
      return gate.limit;
    },
  };
}

/**
 * Encodes one caller- or vendor-supplied id as a single path segment. `encodeURIComponent` leaves
 * `.` alone and URL parsers resolve `.`/`..` segments (even percent-encoded), so those are refused.
 */
export function encodePathSegment(value: string, what: string, source: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(`${what} must be a non-empty string`, source);
  }
  if (value === '.' || value === '..') {
    throw invalidArgument(`${what} cannot be "${value}"`, source);
  }
  return encodeURIComponent(value);
}

/** Checks that a base URL is an absolute http(s) URL and returns it without a trailing slash. */
export function validateBaseURL(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidArgument('baseURL is required: an absolute http(s) URL', source);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(`baseURL must be an absolute http(s) URL, got "${value}"`, source);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(`baseURL must use http or https, got "${url.protocol}"`, source);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw invalidArgument(
      'baseURL must not carry credentials, a query or a fragment: pass the API key as apiKey',
      source,
    );
  }
  return url.href.replace(/\/+$/, '');
}

interface RequestDescription {
  method: string;
  path: string;
  source: string;
}

function describe({ method, path, source }: RequestDescription, outcome: string): string {
  return `${method} ${path} -> ${outcome} (${source})`;
}

function definedQuery(query: Record<string, QueryValue> | undefined) {
  if (query === undefined) return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) result[key] = String(value);
  }
  return result;
}

function parseJson(
  body: string,
  request: RequestDescription,
  status: number,
  redact: Redactor,
): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    const start = body.trimStart().slice(0, 1);
    const hint = start === '<' ? 'an HTML page' : body.trim() === '' ? 'an empty body' : 'not JSON';
    throw new ChatHistoryError(
      describe(request, `${status} invalid_response: the body is ${hint}`),
      {
        ...request,
        code: 'invalid_response',
        status,
        cause: sanitizeError(error, redact),
      },
    );
  }
}

function statusError(
  status: number,
  headers: Headers,
  body: string,
  request: RequestDescription,
  redact: Redactor,
): ChatHistoryError {
  const code: ChatHistoryErrorCode = codeForStatus(status);
  const vendorMessage = readVendorMessage(body, redact);
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  return new ChatHistoryError(
    describe(request, `${status} ${code}`) + (vendorMessage ? `: ${vendorMessage}` : ''),
    {
      ...request,
      code,
      status,
      retryable: isRetryableStatus(status),
      retryAfterMs,
    },
  );
}

/** The vendor's own explanation (`{ "error": "..." }` and the like), short and redacted. */
function readVendorMessage(body: string, redact: Redactor): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  for (const key of ['message', 'error', 'detail', 'error_description']) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') {
      const text = redact(value.trim());
      return text.length > VENDOR_MESSAGE_LIMIT ? `${text.slice(0, VENDOR_MESSAGE_LIMIT)}…` : text;
    }
  }
  return undefined;
}

function networkError(
  error: unknown,
  request: RequestDescription,
  redact: Redactor,
): ChatHistoryError {
  // ofetch wraps the fetch failure in a FetchError that exposes the request options (headers
  // included) as getters: keep only a sanitized copy of what it wraps.
  const underlying = error instanceof FetchError && error.cause !== undefined ? error.cause : error;
  const cause = sanitizeError(underlying, redact);
  const detail = rootMessage(cause);
  return new ChatHistoryError(describe(request, `network error${detail ? `: ${detail}` : ''}`), {
    ...request,
    code: 'network',
    cause,
  });
}

function rootMessage(error: Error): string {
  let current: unknown = error;
  let message = error.message;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

function withAttempts(error: ChatHistoryError, attempts: number): ChatHistoryError {
  if (attempts === 1) return error;
  return new ChatHistoryError(`${error.message} after ${attempts} attempts`, {
    code: error.code,
    source: error.source,
    status: error.status,
    retryable: error.retryable,
    method: error.method,
    path: error.path,
    retryAfterMs: error.retryAfterMs,
    attempts,
    cause: error.cause,
  });
}

interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

/** A signal that aborts when the caller's does or when `timeout` ms have passed. */
function linkDeadline(parent: AbortSignal | undefined, timeout: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`timed out after ${timeout} ms`));
  }, timeout);
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
