import { ChatHistoryError } from './errors.js';

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

/** Reads `retry` as given to a source: a number of retries, `false` for none, or full options. */
export function resolveRetryOptions(
  retry: number | false | RetryOptions | undefined,
): ResolvedRetryOptions {
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === false) return { ...DEFAULT_RETRY, retries: 0 };
  if (typeof retry === 'number') return { ...DEFAULT_RETRY, retries: retry };
  return { ...DEFAULT_RETRY, ...retry };
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

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP-date. Returns milliseconds, or
 * `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms`, or rejects with an `aborted` error as soon as `signal` aborts. */
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
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error every cancelled operation surfaces as. */
export function abortedError(signal: AbortSignal | undefined, source?: string): ChatHistoryError {
  const reason: unknown = signal?.reason;
  const detail = reason instanceof Error && reason.message ? `: ${reason.message}` : '';
  return new ChatHistoryError(`Operation aborted${detail}`, {
    code: 'aborted',
    source,
    retryable: false,
  });
}
