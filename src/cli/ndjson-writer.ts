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

  constructor(readonly stream: Writable) {
    stream.on('error', (error: Error) => {
      this.#failure ??= error;
    });
  }

  async write(value: unknown): Promise<void> {
    this.#pending += `${terminalSafeJson(value)}\n`;
    this.lines += 1;
    if (this.#pending.length >= CHUNK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    if (!this.stream.write(chunk)) await this.#drained();
    if (this.#failure) throw this.#failure;
  }

  /** Waits for 'drain', or for an error (already recorded by the listener in the constructor). */
  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }

  /** Flushes and ends the stream (unless it is stdout, which stays open). */
  async close(end: boolean): Promise<void> {
    await this.flush();
    if (!end) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
