import { abortedError, sleep } from './retry.js';

/**
 * What every request of one source passes through before it is sent:
 *
 * - a pace, when the vendor publishes a rate limit (`maxRequestsPerSecond`): request starts are
 *   spaced evenly, with no bursts;
 * - an adaptive limit on requests in flight (additive increase, multiplicative decrease): a 429
 *   halves it, and each success raises it by `1 / limit`, about one more request per round trip.
 *   It starts unlimited, so only a vendor that pushes back ever slows a source down, and a high
 *   `concurrency` does not turn into a retry storm.
 */
export class RequestGate {
  #limit = Number.POSITIVE_INFINITY;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #nextStart = 0;
  /** Bumped at each decrease: a 429 for a request sent before it does not halve again. */
  #epoch = 0;
  readonly #interval: number;

  constructor(
    private readonly source: string,
    maxRequestsPerSecond: number | undefined,
  ) {
    this.#interval = maxRequestsPerSecond === undefined ? 0 : 1000 / maxRequestsPerSecond;
  }

  /** Requests in flight the vendor currently tolerates (`Infinity` until it first pushes back). */
  get limit(): number {
    return this.#limit;
  }

  /** Waits for a free place and the pace, then returns the ticket to hand back to `release`. */
  async acquire(signal: AbortSignal | undefined): Promise<number> {
    while (this.#inFlight >= Math.max(1, Math.floor(this.#limit))) {
      await this.#released(signal);
    }
    this.#inFlight += 1;
    try {
      if (this.#interval > 0) {
        const now = Date.now();
        const start = Math.max(now, this.#nextStart);
        this.#nextStart = start + this.#interval;
        if (start > now) await sleep(start - now, signal, this.source);
      }
    } catch (error) {
      this.#inFlight -= 1;
      this.#wake();
      throw error;
    }
    return this.#epoch;
  }

  /** Hands the place back; `throttled` when the vendor answered 429. */
  release(ticket: number, throttled: boolean): void {
    const inFlight = this.#inFlight;
    this.#inFlight -= 1;
    if (throttled) {
      if (ticket === this.#epoch) {
        this.#limit = Math.max(1, Math.floor(Math.min(this.#limit, inFlight) / 2));
        this.#epoch += 1;
      }
    } else if (Number.isFinite(this.#limit)) {
      this.#limit += 1 / this.#limit;
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #released(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortedError(signal, this.source));
        return;
      }
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== done);
        reject(abortedError(signal, this.source));
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
