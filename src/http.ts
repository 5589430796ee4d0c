import { FetchError, ofetch } from 'ofetch';
import {
  ChatHistoryError,
  type ChatHistoryErrorCode,
  codeForStatus,
  copyError,
  invalidArgument,
  isRetryableStatus,
  optionsObject,
  redactError,
} from './errors.js';
import { createRedactor, type Redactor, sanitizeError } from './redact.js';
import { DEFAULT_MAX_IN_FLIGHT_REQUESTS, RequestGate } from './request-gate.js';
import {
  abortedError,
  backoffDelay,
  checkDuration,
  parseRetryAfter,
  type RetryOptions,
  resolveRetryOptions,
  sleep,
} from './retry.js';
import { isWellFormedText, quoted, safeText } from './safe-text.js';
import { VERSION } from './version.js';

/** A `fetch` implementation: the global one, a proxy-aware one, or a test double. */
export type FetchFunction = (
  input: Request | string | URL,
  init?: RequestInit,
) => Promise<Response>;

/** Options every source accepts for its HTTP traffic. */
export interface HttpOptions {
  /**
   * `fetch` to send requests with: plug in proxies, edge runtimes or test servers here. It must
   * honour `redirect: 'manual'` (as every standard `fetch` does): the library follows redirects
   * itself, only within the base URL's origin. A `fetch` that follows redirects on its own sends
   * the credentials wherever they lead; its answer from another origin is still refused.
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
  /**
   * Most requests this source keeps in flight at once, across every listing running on it.
   * Further requests wait their turn, so any number of parallel listings completes without
   * running out of sockets or file descriptors.
   * @default 64
   */
  maxInFlightRequests?: number;
  /**
   * Largest response body accepted, in bytes after decompression, counted while the body
   * streams: a larger one (or a compression bomb, or an endless stream) is cut off there and
   * fails with code `invalid_response`, never read whole into memory.
   * @default 33554432 (32 MiB)
   */
  maxResponseBytes?: number;
}

/** The {@link HttpOptions} among a source's options, to hand to {@link createHttpClient}. */
export function pickHttpOptions(options: HttpOptions): HttpOptions {
  return {
    fetch: options.fetch,
    timeout: options.timeout,
    retry: options.retry,
    maxRequestsPerSecond: options.maxRequestsPerSecond,
    maxInFlightRequests: options.maxInFlightRequests,
    maxResponseBytes: options.maxResponseBytes,
  };
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
  /**
   * Requests in flight the vendor currently tolerates: `maxInFlightRequests` until it answers
   * 429, then lower.
   */
  readonly inFlightLimit: number;
  /** Removes this client's secrets, and every fragment of them, from a text. */
  readonly redact: Redactor;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest response body accepted unless `maxResponseBytes` says otherwise: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/**
 * Most JSON objects and arrays one response body may hold. Parsing multiplies small containers
 * about thirty-fold in memory (31 MiB of `{},` parse into ~1 GB), so a body that fits
 * `maxResponseBytes` could still exhaust memory; this bound keeps a parse in the tens of MB.
 * Real pages hold a few dozen containers per record.
 */
export const MAX_JSON_CONTAINERS = 250_000;
/** Redirects followed within the base URL's origin before giving up. */
export const MAX_REDIRECTS = 5;
/** Bytes of an error response read for the vendor's explanation; the rest is discarded. */
const ERROR_BODY_BYTES = 64 * 1024;
/** Longest path quoted in an error (caller and vendor ids make paths of any length). */
const PATH_LIMIT = 300;

export function createHttpClient(clientOptions: HttpClientOptions): HttpClient {
  const {
    source,
    headers,
    redact,
    baseURL,
    timeout,
    retry,
    maxRequestsPerSecond,
    maxInFlight,
    maxResponseBytes,
    fetch,
  } = readClientOptions(clientOptions);
  const origin = new URL(baseURL).origin;
  const gate = new RequestGate(source, maxRequestsPerSecond, maxInFlight);
  const $fetch = ofetch.create(
    {
      baseURL,
      headers: {
        accept: 'application/json',
        'user-agent': `chat-history-kit/${VERSION}`,
        ...headers,
      },
      // Retries, timeouts, redirects and status handling live below, where they can honour
      // Retry-After, the caller's signal, the base URL's origin and our error codes; the body is
      // read here too, so that its size can be bounded while it streams.
      retry: false,
      ignoreResponseError: true,
      redirect: 'manual',
      responseType: 'stream',
    },
    fetch ? { fetch } : {},
  );

  async function getJson(path: string, options: GetJsonOptions = {}): Promise<unknown> {
    try {
      return await requestJson(path, options);
    } catch (error) {
      // Whatever the path, query or vendor held: no error leaves the client with a secret in it.
      throw ChatHistoryError.is(error) ? redactError(error, redact) : error;
    }
  }

  async function requestJson(
    path: string,
    { query, signal }: GetJsonOptions = {},
  ): Promise<unknown> {
    if (typeof path !== 'string' || !isWellFormedText(path)) {
      throw invalidArgument(
        'the request path must be well-formed text (it holds a lone surrogate)',
        source,
      );
    }
    checkQuery(query, source);
    const request: RequestDescription = {
      method: 'GET',
      path: safeText(redact(path), PATH_LIMIT),
      source,
    };
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
      // Aborted while waiting for a place: nothing is sent.
      if (signal?.aborted) throw abortedError(signal, source);
      let url = `${baseURL}${path}`;
      let response = await $fetch.raw(path, {
        query: definedQuery(query),
        signal: deadline.signal,
      });
      for (let hops = 0; isRedirect(response); hops++) {
        discard(response);
        const target = redirectTarget(response, url, origin, request, redact);
        if (hops >= MAX_REDIRECTS) {
          throw refusal(
            request,
            response.status,
            `more than ${MAX_REDIRECTS} redirects (a redirect loop?)`,
          );
        }
        url = target;
        response = await $fetch.raw(target, { signal: deadline.signal });
      }
      refuseForeignFinalURL(response, origin, request, redact);
      throttled = response.status === 429;
      if (response.ok) {
        const body = await readBody(response, maxResponseBytes, request, deadline);
        return { ok: true, status: response.status, body };
      }
      const body = await readBody(response, ERROR_BODY_BYTES, request, deadline, {
        truncate: true,
      });
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
      if (ChatHistoryError.is(error)) return { ok: false, error };
      return { ok: false, error: networkError(error, request, redact) };
    } finally {
      deadline.dispose();
      gate.release(ticket, throttled);
    }
  }

  return {
    source,
    getJson,
    redact,
    get inFlightLimit() {
      return gate.limit;
    },
  };
}

/** Checks every option of {@link createHttpClient} at the call (`bad_request`), with defaults. */
function readClientOptions(clientOptions: HttpClientOptions) {
  const options = optionsObject(clientOptions, 'createHttpClient options');
  const source = typeof options.source === 'string' && options.source !== '' ? options.source : '';
  if (source === '') throw invalidArgument('source is required: the provider key named in errors');
  const { secrets = [], headers = {} } = options;
  if (!Array.isArray(secrets) || !secrets.every((secret) => typeof secret === 'string')) {
    throw invalidArgument('secrets must be an array of strings', source);
  }
  if (
    typeof headers !== 'object' ||
    headers === null ||
    !Object.values(headers).every((value) => typeof value === 'string')
  ) {
    throw invalidArgument('headers must be an object of strings', source);
  }
  const redact = createRedactor(secrets);
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
  return {
    source,
    headers,
    redact,
    baseURL: validateBaseURL(options.baseURL, source, redact),
    timeout: checkDuration(options.timeout ?? DEFAULT_TIMEOUT_MS, 'timeout', source),
    retry: resolveRetryOptions(options.retry, source),
    maxRequestsPerSecond,
    maxInFlight: checkCount(
      options.maxInFlightRequests,
      'maxInFlightRequests',
      DEFAULT_MAX_IN_FLIGHT_REQUESTS,
      source,
    ),
    maxResponseBytes: checkCount(
      options.maxResponseBytes,
      'maxResponseBytes',
      DEFAULT_MAX_RESPONSE_BYTES,
      source,
    ),
    fetch: options.fetch,
  };
}

function checkCount(value: unknown, name: string, fallback: number, source: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(`${name} must be a whole number >= 1, got ${String(value)}`, source);
  }
  return value;
}

/** Query values a caller or vendor supplies must be text a URL can carry. */
function checkQuery(query: Record<string, QueryValue> | undefined, source: string): void {
  if (query === undefined) return;
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string' && !isWellFormedText(value)) {
      throw invalidArgument(
        `query parameter ${key} is not well-formed text (it holds a lone surrogate): ${quoted(value, 40)}`,
        source,
      );
    }
  }
}

type RawResponse = Response;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function isRedirect(response: RawResponse): boolean {
  // Browsers hide manual redirects behind an opaque response of status 0.
  return REDIRECT_STATUSES.has(response.status) || response.type === 'opaqueredirect';
}

function discard(response: RawResponse): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * Where a redirect leads, when it stays within the base URL's origin (scheme, host and port).
 * Anywhere else, credentials would go with it (fetch strips only `Authorization`) and the
 * answer would not be the vendor's: refused.
 */
function redirectTarget(
  response: RawResponse,
  from: string,
  origin: string,
  request: RequestDescription,
  redact: Redactor,
): string {
  if (response.type === 'opaqueredirect') {
    throw refusal(
      request,
      response.status,
      'a redirect whose target this runtime hides; redirects are followed only within the base URL origin',
    );
  }
  const location = response.headers.get('location');
  let target: URL | undefined;
  try {
    target = location === null ? undefined : new URL(location, from);
  } catch {
    target = undefined;
  }
  if (target === undefined) {
    throw refusal(request, response.status, 'a redirect without a readable Location');
  }
  if (target.origin !== origin) {
    throw foreignOrigin(request, response.status, target, origin, redact);
  }
  if (target.username || target.password) {
    throw refusal(request, response.status, 'a redirect to a URL that carries credentials');
  }
  return target.href;
}

/** A `fetch` of the caller's own that followed redirects by itself: its answer is refused too. */
function refuseForeignFinalURL(
  response: RawResponse,
  origin: string,
  request: RequestDescription,
  redact: Redactor,
): void {
  if (!response.redirected || !response.url) return;
  let target: URL;
  try {
    target = new URL(response.url);
  } catch {
    return;
  }
  if (target.origin !== origin) {
    discard(response);
    throw foreignOrigin(request, response.status, target, origin, redact);
  }
}

function foreignOrigin(
  request: RequestDescription,
  status: number,
  target: URL,
  origin: string,
  redact: Redactor,
): ChatHistoryError {
  const targetOrigin = target.origin === 'null' ? target.protocol : target.origin;
  const downgrade = origin.startsWith('https:') && target.protocol === 'http:';
  const why = downgrade
    ? 'a downgrade from https to http is never followed'
    : `credentials are never sent to another origin than ${origin}`;
  return refusal(
    request,
    status,
    `redirect to ${quoted(redact(targetOrigin), 120)} refused: ${why}`,
  );
}

/** A vendor answer refused on principle: not retried, since the same request would get it again. */
function refusal(request: RequestDescription, status: number, what: string): ChatHistoryError {
  return new ChatHistoryError(describe(request, `${status} invalid_response: ${what}`), {
    ...request,
    code: 'invalid_response',
    status,
    retryable: false,
  });
}

/**
 * Reads a body as text while counting its bytes (after decompression). Past `limit` the read
 * stops and the connection is dropped: an error (`maxResponseBytes`), or, with `truncate`, the
 * text read so far (for error bodies, of which only the vendor's message is wanted).
 */
async function readBody(
  response: RawResponse,
  limit: number,
  request: RequestDescription,
  deadline: Deadline,
  { truncate = false }: { truncate?: boolean } = {},
): Promise<string> {
  const tooLarge = () => {
    deadline.abort();
    return refusal(
      request,
      response.status,
      `the body is larger than maxResponseBytes (${formatBytes(limit)}); raise maxResponseBytes if the vendor's pages are that large`,
    );
  };
  const declared = Number(response.headers.get('content-length'));
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  if (!truncate && !encoded && Number.isFinite(declared) && declared > limit) {
    discard(response);
    throw tooLarge();
  }
  const stream = response.body;
  if (stream === null) return '';
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk: Uint8Array = value;
    bytes += chunk.byteLength;
    if (bytes > limit) {
      reader.cancel().catch(() => undefined);
      if (!truncate) throw tooLarge();
      parts.push(decoder.decode(chunk.subarray(0, chunk.byteLength - (bytes - limit))));
      return parts.join('');
    }
    parts.push(decoder.decode(chunk, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.length === 1 ? (parts[0] ?? '') : parts.join('');
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${bytes} bytes = ${mib} MiB` : `${bytes} bytes`;
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
  if (!isWellFormedText(value)) {
    throw invalidArgument(
      `${what} is not well-formed text (it holds a lone surrogate): ${quoted(value, 40)}`,
      source,
    );
  }
  return encodeURIComponent(value);
}

/**
 * Checks that a base URL is an absolute http(s) URL and returns it without a trailing slash.
 * `redact` scrubs the value from the error when it is not (a key pasted into the wrong variable).
 */
export function validateBaseURL(
  value: unknown,
  source: string,
  redact: Redactor = (text) => text,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidArgument('baseURL is required: an absolute http(s) URL', source);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(
      `baseURL must be an absolute http(s) URL, got ${quoted(redact(value), 80)}`,
      source,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(
      `baseURL must use http or https, got ${quoted(redact(url.protocol), 20)}`,
      source,
    );
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
  if (exceedsContainers(body, MAX_JSON_CONTAINERS)) {
    throw refusal(
      request,
      status,
      `the body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays (a page stuffed with records)`,
    );
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    const start = body.trimStart().slice(0, 1);
    const hint = start === '<' ? 'an HTML page' : body.trim() === '' ? 'an empty body' : 'not JSON';
    // The parser's message quotes the body: keep it only redacted, escaped and short.
    const detail = error instanceof Error ? error.message : String(error);
    const cause = new SyntaxError(safeText(redact(detail)));
    cause.stack = `SyntaxError: ${cause.message}`;
    throw new ChatHistoryError(
      describe(request, `${status} invalid_response: the body is ${hint}`),
      {
        ...request,
        code: 'invalid_response',
        status,
        cause,
      },
    );
  }
}

/**
 * Whether the JSON text opens more than `limit` objects and arrays. Every container takes at
 * least two characters, so shorter bodies are not scanned. A count of every bracket (native
 * `indexOf`, fast) settles almost every body; only one with that many brackets is scanned again,
 * skipping brackets inside strings (code, JSON stored as text), which are no containers.
 */
function exceedsContainers(body: string, limit: number): boolean {
  if (body.length <= limit * 2) return false;
  let brackets = 0;
  for (const bracket of ['{', '[']) {
    for (
      let at = body.indexOf(bracket);
      at >= 0 && brackets <= limit;
      at = body.indexOf(bracket, at + 1)
    ) {
      brackets += 1;
    }
  }
  if (brackets <= limit) return false;
  let containers = 0;
  let inString = false;
  for (let index = 0; index < body.length; index++) {
    const code = body.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      containers += 1;
      if (containers > limit) return true;
    }
  }
  return false;
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
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '') return safeText(redact(value.trim()));
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
  const detail = safeText(rootMessage(cause));
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
  return copyError(error, { message: `${error.message} after ${attempts} attempts`, attempts });
}

interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  /** Drops the request (a body past its limit). */
  abort(): void;
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
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    abort: () => controller.abort(new Error('response body over its limit')),
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
