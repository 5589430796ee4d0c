import { abortedError } from '../errors/aborted.js';
import { invalidArgument } from '../errors/invalid-argument.js';

/**
 * Longest delay a timer can hold (2^31 - 1 ms, about 24.8 days). Longer ones fire at once in
 * every JavaScript runtime, so every wait and timeout is clamped to it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** How failed requests are retried. */
export interface RetryOptions {
  /**
   * Retries after the first attempt, for network errors, timeouts, 408, 429 and 5xx.
   * @default 3
   */
  retries?: number;
  /**
   * Base of the exponential backoff: attempt `n` waits a random time up to `baseDelayMs * 2^n`.
   * @default 250
   */
  baseDelayMs?: number;
  /**
   * Longest wait between two attempts, whether computed or asked for by `Retry-After`.
   * `Infinity` means no cap but the timer limit (2^31 - 1 ms, about 24.8 days).
   * @default 30000
   */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = {
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
};

/**
 * Reads `retry` as given to a source: a number of retries, `false` for none, or full options.
 * Anything else, a negative or fractional count, or a delay that is not a number >= 0, is
 * `bad_request` at the call.
 */
export function resolveRetryOptions(
  retry: number | false | RetryOptions | undefined,
  source?: string,
): ResolvedRetryOptions {
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === false) return { ...DEFAULT_RETRY, retries: 0 };
  if (typeof retry === 'number') return { ...DEFAULT_RETRY, retries: checkRetries(retry, source) };
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
    throw invalidArgument(
      `retry must be a number of retries, false, or { retries, baseDelayMs, maxDelayMs }, got ${typeof retry}`,
      source,
    );
  }
  return {
    retries: checkRetries(retry.retries ?? DEFAULT_RETRY.retries, source),
    baseDelayMs: checkDelay(
      retry.baseDelayMs,
      'retry.baseDelayMs',
      DEFAULT_RETRY.baseDelayMs,
      source,
    ),
    maxDelayMs: checkDelay(retry.maxDelayMs, 'retry.maxDelayMs', DEFAULT_RETRY.maxDelayMs, source),
  };
}

function checkRetries(value: unknown, source: string | undefined): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(
      `retry.retries must be a whole number >= 0, got ${String(value)}`,
      source,
    );
  }
  return value;
}

function checkDelay(
  value: unknown,
  name: string,
  fallback: number,
  source: string | undefined,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalidArgument(
      `${name} must be a number of milliseconds >= 0, got ${typeof value === 'number' ? value : typeof value}`,
      source,
    );
  }
  return Math.min(value, MAX_TIMER_MS);
}

/**
 * A duration a caller gives (`timeout`), checked: a positive number of milliseconds, `Infinity`
 * included, clamped to {@link MAX_TIMER_MS}. Anything else is `bad_request`.
 */
export function checkDuration(value: unknown, name: string, source: string | undefined): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw invalidArgument(
      `${name} must be a positive number of milliseconds, got ${typeof value === 'number' ? value : typeof value}`,
      source,
    );
  }
  return Math.min(value, MAX_TIMER_MS);
}

/**
 * Exponential backoff with full jitter: a uniform random wait in `[0, min(max, base * 2^attempt))`.
 * Full jitter spreads clients that failed together, so they do not retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as an HTTP-date: `Sun, 06 Nov 1994 08:49:37 GMT` and its two obsolete forms. */
const HTTP_DATE =
  /^(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * Reads a `Retry-After` header: delay-seconds (a whole number, or a decimal from lenient servers)
 * or an HTTP-date. Returns milliseconds, at most {@link MAX_TIMER_MS}, or `undefined` when the
 * header is absent or not one of those forms (`-5`, `soon`, `1e3`): the computed backoff applies
 * then, so a vendor cannot turn waits off.
 */
export function parseRetryAfter(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d{1,12}(\.\d{1,6})?$/.test(value)) {
    return Math.min(MAX_TIMER_MS, Math.round(Number(value) * 1000));
  }
  if (!HTTP_DATE.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_TIMER_MS, Math.max(0, date - now));
}

/** Epoch values from this one up are Unix seconds (2001-09-09); below it, seconds to wait. */
const EPOCH_SECONDS_FROM = 1e9;

/**
 * Reads `X-RateLimit-Reset`, which vendors without `Retry-After` send with a 429 (Intercom): the
 * Unix time in seconds when the window resets, or, below 1e9, the seconds left. Returns the
 * milliseconds until then (0 when already past), at most {@link MAX_TIMER_MS}, or `undefined`
 * when the header is absent or not a whole number: the computed backoff applies then.
 */
export function parseRateLimitReset(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (!/^\d{1,12}$/.test(value)) return undefined;
  const seconds = Number(value);
  const ms = seconds >= EPOCH_SECONDS_FROM ? seconds * 1000 - now : seconds * 1000;
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/**
 * Waits `ms` (clamped to what a timer can hold), or rejects with an `aborted` error as soon as
 * `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal, source?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal, source));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal, source));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
