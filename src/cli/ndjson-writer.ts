import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { terminalSafeJson } from '../text/safe-text.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * Writes one JSON value per line (with the characters a terminal could act on escaped, so that
 * vendor text cannot drive the terminal stdout is shown on), batching small lines into larger writes and waiting for the
 * stream to drain when it asks to, so memory stays flat however much is written.
 */
export class NdjsonWriter {
  #pending = '';
  #failure: Error | undefined;
  lines = 0;

  /** `signal` stops a wait for the stream to drain (a pipe nobody reads never drains). */
  constructor(
    readonly stream: Writable,
    private readonly signal?: AbortSignal,
  ) {
    stream.on('error', (error: Error) => {
      this.#failure ??= error;
    });
  }

  /** Whether writing to the stream failed (a full disk, a closed pipe). */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  async write(value: unknown): Promise<void> {
    this.#pending += `${terminalSafeJson(value)}\n`;
    this.lines += 1;
    if (this.#pending.length >= CHUNK_BYTES) await this.flush();
  }

  /** Hands what is pending to the stream; with `wait`, until the stream has taken it in. */
  async flush({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    if (!this.stream.write(chunk) && wait) await this.#drained();
    if (this.#failure) throw this.#failure;
  }

  /** Waits for 'drain', or for an error (already recorded by the listener in the constructor). */
  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const { signal } = this;
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Flushes and ends the stream (unless it is stdout, which stays open). Without `wait`, a stream
   * that does not drain (a pipe nobody reads) is not waited for; a file is still finished.
   */
  async close(end: boolean, { wait = true }: { wait?: boolean } = {}): Promise<void> {
    await this.flush({ wait });
    if (!end) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
