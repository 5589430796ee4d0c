import { hashSeed } from './random.js';

/**
 * A failure the emulator can serve instead of an answer: `500`, `502` (an HTML gateway page),
 * `503`, `429` (with `Retry-After`), `drop` (the connection is cut), or `slow` (the answer comes
 * `slowMs` late, past a client's timeout).
 */
export type FaultKind = '500' | '502' | '503' | '429' | 'drop' | 'slow';

/** What a fault pattern is told about the request it may fail. */
export interface FaultContext {
  url: URL;
  /** `GET`, or `POST` for a search. */
  method: string;
  /** A POST's body as sent; `''` for a GET. */
  body: string;
  /** How many times this exact request (URL, and a POST's body) came before (0 on a first attempt). */
  attempt: number;
  /** Position of the request among all requests the emulator received (0-based). */
  index: number;
}

/** Which requests fail, and how. Reproducible: the same seed fails the same attempts. */
export interface FaultOptions {
  /** Share of attempts that fail, from 0 to 1. */
  rate?: number;
  /**
   * Kinds drawn from when `rate` fails a request.
   * @default ['500', '502', '503', '429', 'drop']
   */
  kinds?: readonly FaultKind[];
  /** Only first attempts at a URL may fail (by `rate`), so a retry always succeeds. */
  firstAttemptsOnly?: boolean;
  /** Decides the fault of each request itself; takes precedence over `rate`. */
  pattern?: (request: FaultContext) => FaultKind | null | undefined;
  /**
   * `Retry-After` seconds sent with a `429`.
   * @default 1
   */
  retryAfterSeconds?: number;
  /**
   * Delay of a `slow` answer, in milliseconds.
   * @default 35000
   */
  slowMs?: number;
  /** Seed of the draw (defaults to the emulator's seed). */
  seed?: number;
}

const DEFAULT_KINDS: readonly FaultKind[] = ['500', '502', '503', '429', 'drop'];

/** Picks the fault, if any, of one request. */
export function chooseFault(
  options: FaultOptions | undefined,
  context: FaultContext,
  seed: number,
): FaultKind | undefined {
  if (options === undefined) return undefined;
  if (options.pattern) return options.pattern(context) ?? undefined;
  const rate = options.rate ?? 0;
  if (rate <= 0 || (options.firstAttemptsOnly && context.attempt > 0)) return undefined;
  const target = `${context.url.pathname}${context.url.search}`;
  const key = context.method === 'GET' ? target : `${context.method} ${target} ${context.body}`;
  const draw = hashSeed(options.seed ?? seed, 'fault', key, context.attempt);
  if (draw / 4294967296 >= rate) return undefined;
  const kinds = options.kinds ?? DEFAULT_KINDS;
  return kinds[hashSeed(draw, 'kind') % kinds.length];
}

/** The response a fault stands for; `null` means "answer normally" (after a `slow` delay). */
export function faultResponse(kind: FaultKind, options: FaultOptions | undefined): Response | null {
  switch (kind) {
    case '500':
      return Response.json({ error: 'Internal Server Error' }, { status: 500 });
    case '502':
      return new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      });
    case '503':
      return Response.json({ error: 'Service Unavailable' }, { status: 503 });
    case '429':
      return Response.json(
        { error: 'Too Many Requests' },
        { status: 429, headers: { 'retry-after': String(options?.retryAfterSeconds ?? 1) } },
      );
    case 'drop':
      // A network error: msw fails the fetch, and the loopback server cuts the connection.
      return Response.error();
    case 'slow':
      return null;
  }
}
