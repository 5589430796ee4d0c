import type { Writable } from 'node:stream';
import { createLogUpdate } from 'log-update';

/** Counts of an export, per vendor. */
export interface ExportCounts {
  conversations: number;
  messages: number;
}

/**
 * Shows how an export is going: a live line on stderr when it is a terminal, and a one-line
 * summary at the end either way.
 */
export class Progress {
  readonly bySource = new Map<string, ExportCounts>();
  /** Messages received, written or not yet: what the live line shows. */
  #fetched = 0;
  readonly #started = performance.now();
  readonly #render: (((text: string) => void) & { done(): void; clear(): void }) | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stderr: Writable & { isTTY?: boolean },
    private readonly quiet: boolean,
  ) {
    if (!quiet && stderr.isTTY) {
      this.#render = createLogUpdate(stderr);
      this.#timer = setInterval(() => this.#render?.(this.line()), 100);
      this.#timer.unref();
    }
  }

  counts(source: string): ExportCounts {
    let counts = this.bySource.get(source);
    if (counts === undefined) {
      counts = { conversations: 0, messages: 0 };
      this.bySource.set(source, counts);
    }
    return counts;
  }

  get totals(): ExportCounts {
    let conversations = 0;
    let messages = 0;
    for (const counts of this.bySource.values()) {
      conversations += counts.conversations;
      messages += counts.messages;
    }
    return { conversations, messages };
  }

  /**
   * Prints a line of its own (a warning) above the live line, which is drawn again after it.
   * The line must already be safe for a terminal.
   */
  note(line: string): void {
    this.#render?.clear();
    this.stderr.write(`${line}\n`);
    this.#render?.(this.line());
  }

  /** Counts messages received, before their conversation is complete and written. */
  fetched(messages: number): void {
    this.#fetched += messages;
  }

  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  line(): string {
    const { conversations } = this.totals;
    const messages = Math.max(this.#fetched, this.totals.messages);
    const rate = Math.round(messages / Math.max(this.seconds, 0.001));
    return `exporting: ${format(conversations)} conversations, ${format(messages)} messages, ${format(rate)} msg/s, ${this.seconds.toFixed(1)} s`;
  }

  /** Stops the live line and prints the summary. */
  finish(outcome: { destination: string; failed: boolean; unwritten?: boolean }): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#render?.clear();
    this.#render?.done();
    if (this.quiet) return;
    if (outcome.unwritten) {
      this.stderr.write(`stopped: the output ${outcome.destination} could not be written\n`);
      return;
    }
    const { conversations, messages } = this.totals;
    const parts = [...this.bySource].map(
      ([source, counts]) => `${source} ${format(counts.conversations)}/${format(counts.messages)}`,
    );
    const verb = outcome.failed ? 'stopped after' : 'exported';
    this.stderr.write(
      `${verb} ${format(messages)} messages from ${format(conversations)} conversations` +
        `${parts.length > 0 ? ` (${parts.join(', ')})` : ''} in ${this.seconds.toFixed(2)} s` +
        ` to ${outcome.destination}\n`,
    );
  }
}

function format(value: number): string {
  return value.toLocaleString('en-US');
}
