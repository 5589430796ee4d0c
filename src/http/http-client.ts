import { ofetch } from 'ofetch';
import { abortedError } from '../errors/aborted.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { redactError } from '../errors/copy-error.js';
import { invalidArgument, optionsObject } from '../errors/invalid-argument.js';
import {
  networkError,
  type RequestDescription,
  refusal,
  statusError,
  timeoutError,
  withAttempts,
} from '../errors/request-error.js';
import { createRedactor, type Redactor } from '../text/redact.js';
import { isWellFormedText, quoted, safeText } from '../text/safe-text.js';
import { VERSION } from '../version.js';
import { pageOrigin, refusedByCors } from './cors.js';
import { linkDeadline } from './link-deadline.js';
import { parseJsonBody } from './parse-json-body.js';
import { readBody } from './read-body.js';
import { discard, isRedirect, redirectTarget, refuseForeignFinalURL } from './redirect-target.js';
import { DEFAULT_MAX_IN_FLIGHT_REQUESTS, RequestGate } from './request-gate.js';
import {
  backoffDelay,
  checkDuration,
  type RetryOptions,
  resolveRetryOptions,
  sleep,
} from './retry.js';
import { validateBaseURL } from './validate-base-url.js';

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
  /** Told of each request sent: every attempt and every redirect followed. */
  onRequest?: ((request: RequestSent) => void) | undefined;
}

/** An HTTP request a source sent, as `onRequest` is told of it. */
export interface RequestSent {
  /** Provider key of the source. */
  source: string;
  method: string;
  /** Path of the request, without its query string. */
  path: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

/** A JSON value a request body can carry. */
export type JsonBody =
  | string
  | number
  | boolean
  | null
  | readonly JsonBody[]
  | { readonly [key: string]: JsonBody | undefined };

/** The one HTTP client adapters use: JSON GETs with auth, timeouts, retries and typed errors. */
export interface HttpClient {
  readonly source: string;
  /** GETs `path` (relative to the base URL) and returns the parsed JSON body. */
  getJson(path: string, options?: GetJsonOptions): Promise<unknown>;
  /**
   * POSTs `body` as JSON to `path` and returns the parsed JSON answer, with the same retries,
   * limits and redaction as {@link HttpClient.getJson}: for read-only queries (searches) that
   * vendors take as a POST, which makes retrying them safe.
   */
  postJson(path: string, body: JsonBody, options?: GetJsonOptions): Promise<unknown>;
  /**
   * Requests in flight the vendor currently tolerates: `maxInFlightRequests` until it answers
   * 429, then lower.
   */
  readonly inFlightLimit: number;
  /** Removes this client's secrets, and every fragment of them, from a text. */
  readonly redact: Redactor;
}

type HttpMethod = 'GET' | 'POST';

const JSON_BODY = { 'content-type': 'application/json' } as const;

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest response body accepted unless `maxResponseBytes` says otherwise: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
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
  const probe: FetchFunction = fetch ?? ((input, init) => globalThis.fetch(input, init));
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

  function getJson(path: string, options: GetJsonOptions = {}): Promise<unknown> {
    return send('GET', path, undefined, options);
  }

  async function postJson(
    path: string,
    body: JsonBody,
    options: GetJsonOptions = {},
  ): Promise<unknown> {
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (error) {
      throw invalidArgument(
        `the request body cannot be written as JSON: ${safeText(error instanceof Error ? error.message : String(error))}`,
        source,
      );
    }
    return send('POST', path, text, options);
  }

  async function send(
    method: HttpMethod,
    path: string,
    body: string | undefined,
    options: GetJsonOptions,
  ): Promise<unknown> {
    try {
      return await requestJson(method, path, body, options);
    } catch (error) {
      // Whatever the path, query or vendor held: no error leaves the client with a secret in it.
      throw ChatHistoryError.is(error) ? redactError(error, redact) : error;
    }
  }

  async function requestJson(
    method: HttpMethod,
    path: string,
    body: string | undefined,
    { query, signal, onRequest }: GetJsonOptions,
  ): Promise<unknown> {
    if (typeof path !== 'string' || !isWellFormedText(path)) {
      throw invalidArgument(
        'the request path must be well-formed text (it holds a lone surrogate)',
        source,
      );
    }
    checkQuery(query, source);
    const request: RequestDescription = {
      method,
      path: safeText(redact(path), PATH_LIMIT),
      source,
    };
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError(signal, source);
      const sent = onRequest
        ? () => onRequest({ source, method, path: request.path, attempt })
        : undefined;
      const outcome = await attemptOnce(path, query, body, signal, request, sent);
      if (outcome.ok) return parseJsonBody(outcome.body, request, outcome.status, redact);
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
    requestBody: string | undefined,
    signal: AbortSignal | undefined,
    request: RequestDescription,
    onSend: (() => void) | undefined,
  ): Promise<{ ok: true; status: number; body: string } | { ok: false; error: ChatHistoryError }> {
    const ticket = await gate.acquire(signal);
    let throttled = false;
    const deadline = linkDeadline(signal, timeout);
    let url = `${baseURL}${path}`;
    try {
      // Aborted while waiting for a place: nothing is sent.
      if (signal?.aborted) throw abortedError(signal, source);
      url = `${baseURL}${path}`;
      const sent =
        requestBody === undefined
          ? {}
          : { method: request.method, body: requestBody, headers: JSON_BODY };
      onSend?.();
      let response = await $fetch.raw(path, {
        ...sent,
        query: definedQuery(query),
        signal: deadline.signal,
      });
      for (let hops = 0; isRedirect(response); hops++) {
        discard(response);
        const target = redirectTarget(response, url, origin, request, redact);
        if (requestBody !== undefined && response.status !== 307 && response.status !== 308) {
          // 301, 302 and 303 turn a POST into a GET without its body: not the request we meant.
          throw refusal(
            request,
            response.status,
            'a redirect that would drop the request body (only 307 and 308 keep it)',
          );
        }
        if (hops >= MAX_REDIRECTS) {
          throw refusal(
            request,
            response.status,
            `more than ${MAX_REDIRECTS} redirects (a redirect loop?)`,
          );
        }
        url = target;
        onSend?.();
        response = await $fetch.raw(target, { ...sent, signal: deadline.signal });
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
        return { ok: false, error: timeoutError(request, timeout) };
      }
      if (ChatHistoryError.is(error)) return { ok: false, error };
      const refused = await refusedByCors(error, url, probe, deadline.signal);
      return {
        ok: false,
        error: networkError(error, request, redact, refused ? pageOrigin() : undefined),
      };
    } finally {
      deadline.dispose();
      gate.release(ticket, throttled);
    }
  }

  return {
    source,
    getJson,
    postJson,
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

function definedQuery(query: Record<string, QueryValue> | undefined) {
  if (query === undefined) return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) result[key] = String(value);
  }
  return result;
}
