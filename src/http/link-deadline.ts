/** A per-attempt deadline linked to the caller's signal. */
export interface Deadline {
  signal: AbortSignal;
  timedOut(): boolean;
  /** Drops the request (a body past its limit). */
  abort(): void;
  dispose(): void;
}

/** A signal that aborts when the caller's does or when `timeout` ms have passed. */
export function linkDeadline(parent: AbortSignal | undefined, timeout: number): Deadline {
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
