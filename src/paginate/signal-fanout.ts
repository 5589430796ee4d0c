/**
 * Signals that abort with one signal, one per listing, so that signal has a single listener
 * however many listings are in flight (runtimes warn of a leak past ten listeners on one signal,
 * and the way to raise that limit is a Node built-in).
 */
export class SignalFanout {
  readonly #signal: AbortSignal;
  readonly #children = new Set<AbortController>();

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener(
      'abort',
      () => {
        for (const child of this.#children) child.abort(signal.reason);
        this.#children.clear();
      },
      { once: true },
    );
  }

  /** A signal that aborts with the parent; `release()` it when its listing is done. */
  child(): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    if (this.#signal.aborted) controller.abort(this.#signal.reason);
    else this.#children.add(controller);
    return { signal: controller.signal, release: () => this.#children.delete(controller) };
  }
}
