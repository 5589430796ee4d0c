import { abortedError } from '../errors/aborted.js';
import { sleep } from './retry.js';

/** Requests one source keeps in flight at most, unless `maxInFlightRequests` says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 64;

/**
 * What every request of one source passes through before it is sent:
 *
 * - a cap on requests in flight (`maxInFlightRequests`), whatever the number of listings running
 *   on the source, so sockets and file descriptors stay bounded; requests beyond it wait their
 *   turn, first come first served;
 * - a pace, when the vendor publishes a rate limit (`maxRequestsPerSecond`): request starts are
 *   spaced evenly, with no bursts;
 * - an adaptive limit below the cap (additive increase, multiplicative decrease): a 429 halves
 *   it, and each success raises it by `1 / limit`, about one more request per round trip, back up
 *   to the cap. So only a vendor that pushes back ever slows a source down, and a high
 *   `concurrency` does not turn into a retry storm.
 */
export class RequestGate {
  #limit: number;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #nextStart = 0;
  /** Bumped at each decrease: a 429 for a request sent before it does not halve again. */
  #epoch = 0;
  readonly #interval: number;
  readonly #cap: number;

  constructor(
    private readonly source: string,
    maxRequestsPerSecond: number | undefined,
    maxInFlight: number = DEFAULT_MAX_IN_FLIGHT_REQUESTS,
  ) {
    this.#interval = maxRequestsPerSecond === undefined ? 0 : 1000 / maxRequestsPerSecond;
    this.#cap = maxInFlight;
    this.#limit = maxInFlight;
  }

  /** Requests in flight the vendor currently tolerates (the cap until it first pushes back). */
  get limit(): number {
    return this.#limit;
  }

  /** Requests in flight right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Waits for a free place and the pace, then returns the ticket to hand back to `release`. */
  async acquire(signal: AbortSignal | undefined): Promise<number> {
    if (signal?.aborted) throw abortedError(signal, this.source);
    if (this.#waiters.length > 0 || this.#inFlight >= this.#allowed()) {
      // The place is handed over by `release`, already counted in `#inFlight`.
      await this.#queue(signal);
    } else {
      this.#inFlight += 1;
    }
    try {
      // A start is claimed only when it happens: a request cancelled while it waits for its
      // turn leaves no gap in the pace.
      for (let now = Date.now(); this.#interval > 0; now = Date.now()) {
        if (now >= this.#nextStart) {
          this.#nextStart = now + this.#interval;
          break;
        }
        await sleep(this.#nextStart - now, signal, this.source);
      }
    } catch (error) {
      this.#inFlight -= 1;
      this.#grant();
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
    } else if (this.#limit < this.#cap) {
      this.#limit = Math.min(this.#cap, this.#limit + 1 / this.#limit);
    }
    this.#grant();
  }

  #allowed(): number {
    return Math.max(1, Math.floor(this.#limit));
  }

  /** Hands free places to the longest-waiting requests. */
  #grant(): void {
    while (this.#waiters.length > 0 && this.#inFlight < this.#allowed()) {
      const next = this.#waiters.shift();
      this.#inFlight += 1;
      next?.();
    }
  }

  #queue(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiters.indexOf(granted);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(abortedError(signal, this.source));
      };
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(granted);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
