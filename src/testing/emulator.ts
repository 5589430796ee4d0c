import type { FetchFunction } from '../http/http-client.js';
import { chooseFault, type FaultOptions, faultResponse } from './faults.js';
import type { LiveDataOptions } from './live-data.js';
import { between, createRandom, hashSeed } from './random.js';

/** Milliseconds, or a range drawn from per request. */
export type Latency = number | { min: number; max: number };

/** Options every emulator takes. */
export interface EmulatorOptions {
  /**
   * Seed of the generated data and of every random choice: same seed, same behaviour.
   * @default 1
   */
  seed?: number;
  /** API key the emulator accepts; any other gets 401. */
  apiKey?: string;
  /**
   * Largest page the emulator returns, whatever `limit` asks (it clamps, as real servers do).
   * @default 100
   */
  maxPageSize?: number;
  /** Delay before each answer. */
  latencyMs?: Latency;
  /** Failures to inject. */
  faults?: FaultOptions;
  /**
   * Answers 429 (with `Retry-After: 0`) to any request arriving while this many are already in
   * flight, like a vendor enforcing a concurrency limit.
   */
  maxConcurrentRequests?: number;
  /**
   * Data that changes while it is listed, as a busy vendor's does: records inserted at the front,
   * deleted from pages already served, moved to the front on update, appended, after each page
   * served or at a chosen rate. `emulator.live.log` says what changed.
   */
  live?: LiveDataOptions;
}

/** What an emulator has seen so far. */
export interface EmulatorStats {
  requests: number;
  /** Requests answered with an injected fault. */
  faults: number;
  /** Requests answered 429 for going over `maxConcurrentRequests`. */
  throttled: number;
  inFlight: number;
  maxInFlight: number;
}

/** A vendor API emulated in memory. */
export interface Emulator {
  readonly vendor: string;
  readonly apiKey: string;
  /** The web-standard handler: serve it with any server, or call it directly. */
  readonly handler: (request: Request) => Promise<Response>;
  /** A `fetch` that answers from the handler without a network: pass it as a source's `fetch`. */
  readonly fetch: FetchFunction;
  readonly stats: Readonly<EmulatorStats>;
  /**
   * Path and query of each request received, in order (the first 10,000); a request other than
   * a GET has its method first: `POST /conversations/search`.
   */
  readonly requests: readonly string[];
  /** Clears the stats, the request log and the attempt counts that faults key on. */
  reset(): void;
}

const REQUEST_LOG_LIMIT = 10_000;
const RENDER_CACHE_SIZE = 256;

/** A request as a vendor's router sees it, after auth, latency and faults. */
export interface EmulatedRequest {
  method: string;
  headers: Headers;
  /** A POST's body, parsed as JSON. */
  body: unknown;
}

export interface EmulatorCore {
  vendor: string;
  apiKey: string;
  /** Header that carries the key. */
  authHeader: string;
  /** Scheme before the key in that header (`Bearer`), when there is one. */
  authScheme?: string;
  unauthorized: () => Response;
  /**
   * Methods the API answers besides GET (a search taken as a POST); others get 405.
   * @default []
   */
  methods?: readonly string[];
  /** Refuses a request before it is routed (a header the API checks), whatever its URL. */
  checkRequest?: (request: Request) => Response | undefined;
  route: (url: URL, request: EmulatedRequest) => Response;
}

/** Wraps a vendor's router with what every emulator does: auth, latency, faults and stats. */
export function createEmulator(core: EmulatorCore, options: EmulatorOptions): Emulator {
  const seed = options.seed ?? 1;
  const stats: EmulatorStats = {
    requests: 0,
    faults: 0,
    throttled: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  const requests: string[] = [];
  let attempts = new Map<string, number>();
  const jitter = createRandom(hashSeed(seed, 'latency'));

  // Rendered answers of recent URLs (data never changes): the emulator's own CPU should not
  // add to the latency it emulates when a client asks for many pages at once.
  const cache = new Map<string, { status: number; body: string }>();
  async function rendered(key: string, url: URL, request: EmulatedRequest): Promise<Response> {
    // Live data changes after each page: every answer is rendered afresh.
    if (options.live) return core.route(url, request);
    let entry = cache.get(key);
    if (entry === undefined) {
      const response = core.route(url, request);
      entry = { status: response.status, body: await response.text() };
      if (cache.size >= RENDER_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
      cache.set(key, entry);
    }
    return new Response(entry.body, {
      status: entry.status,
      headers: { 'content-type': 'application/json' },
    });
  }

  const expectedAuth =
    core.authScheme === undefined ? core.apiKey : `${core.authScheme} ${core.apiKey}`;
  const methods = new Set(['GET', ...(core.methods ?? [])]);

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const { method } = request;
    const target = `${url.pathname}${url.search}`;
    const logged = method === 'GET' ? target : `${method} ${target}`;
    // A POST's answer, and its faults, depend on its body too.
    const text = method !== 'GET' && methods.has(method) ? await request.text() : '';
    const key = text === '' ? logged : `${logged} ${text}`;
    const index = stats.requests++;
    if (requests.length < REQUEST_LOG_LIMIT) requests.push(logged);
    // Attempts per request are what rate-based faults key on; without faults, nothing is kept.
    const attempt = options.faults ? (attempts.get(key) ?? 0) : 0;
    if (options.faults) attempts.set(key, attempt + 1);
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      if (
        options.maxConcurrentRequests !== undefined &&
        stats.inFlight > options.maxConcurrentRequests
      ) {
        stats.throttled += 1;
        return Response.json(
          { error: 'Too many concurrent requests' },
          { status: 429, headers: { 'retry-after': '0' } },
        );
      }
      const latency = options.latencyMs;
      if (latency !== undefined) {
        const ms =
          typeof latency === 'number' ? latency : between(jitter, latency.min, latency.max);
        if (ms > 0) await wait(ms, request.signal);
      }
      const fault = chooseFault(options.faults, { url, method, body: text, attempt, index }, seed);
      if (fault !== undefined) {
        stats.faults += 1;
        const response = faultResponse(fault, options.faults);
        if (response) return response;
        await wait(options.faults?.slowMs ?? 35_000, request.signal);
      }
      if (!methods.has(request.method)) {
        return Response.json({ error: 'Method Not Allowed' }, { status: 405 });
      }
      if (request.headers.get(core.authHeader) !== expectedAuth) return core.unauthorized();
      const refused = core.checkRequest?.(request);
      if (refused !== undefined) return refused;
      if (method === 'GET') {
        return rendered(key, url, { method, headers: request.headers, body: undefined });
      }
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return Response.json({ error: 'The body is not valid JSON' }, { status: 400 });
      }
      return rendered(key, url, { method, headers: request.headers, body });
    } finally {
      stats.inFlight -= 1;
    }
  }

  return {
    vendor: core.vendor,
    apiKey: core.apiKey,
    handler,
    fetch: (input, init) => fetchFrom(handler, new Request(input, init)),
    stats,
    requests,
    reset() {
      Object.assign(stats, { requests: 0, faults: 0, throttled: 0, inFlight: 0, maxInFlight: 0 });
      requests.length = 0;
      attempts = new Map();
    },
  };
}

/** Reads `?name=` as a whole number `>= min`; `undefined` when absent, `null` when invalid. */
export function readNumber(url: URL, name: string, min: number): number | null | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) return null;
  const number = Number(value);
  return Number.isSafeInteger(number) && number >= min ? number : null;
}

/**
 * The parameters of `url` when its path is `template` (`/api/v1/chats/{chatId}/messages`): each
 * `{name}` takes one decoded segment; `undefined` when the path is another.
 */
export function matchPath(url: URL, template: string): Record<string, string> | undefined {
  const expected = template.split('/').filter(Boolean);
  const actual = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  if (actual.length !== expected.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const segment = actual[index] ?? '';
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

/** A decoded path segment (as given when it is not valid percent-encoding). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Calls the handler as `fetch` would reach a server: aborts and cut connections reject. */
function fetchFrom(
  handler: (request: Request) => Promise<Response>,
  request: Request,
): Promise<Response> {
  const { signal } = request;
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    handler(request)
      .then((response) => {
        if (response.type === 'error') reject(new TypeError('fetch failed'));
        else resolve(response);
      }, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
