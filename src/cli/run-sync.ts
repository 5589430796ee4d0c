import type { Writable } from 'node:stream';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { openStore } from '../store/open-store.js';
import type { Store, StoreContents } from '../store/store.js';
import { type SyncProgress, type SyncReport, syncHistory } from '../sync/sync-history.js';
import { safeText } from '../text/safe-text.js';
import type { ExportTarget } from './open-sources.js';
import { UsageError } from './usage-error.js';

/** Longest summary line printed. */
const LINE_LIMIT = 2000;

/** What `sync` was asked to do. */
export interface SyncRun {
  store: string;
  concurrency: number;
  pageSize: number | undefined;
  full: boolean;
  json: boolean;
  quiet: boolean;
  /** Ctrl-C or SIGTERM: the sync stops, keeping what it committed. */
  signal: AbortSignal | undefined;
}

/** Where `sync` writes: data (the JSON report) to stdout, progress and the summary to stderr. */
export interface SyncOutput {
  stdout: Writable;
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * Syncs the targets' sources into the store, with a live status line on a terminal, then one
 * summary line (or the report as JSON on stdout) and what the store holds.
 */
export async function runSync(
  targets: readonly ExportTarget[],
  run: SyncRun,
  output: SyncOutput,
): Promise<SyncReport> {
  let store: Store;
  try {
    store = await openStore(run.store);
  } catch (error) {
    // A store path that cannot be is the caller's mistake, found before any request.
    if (ChatHistoryError.is(error) && error.code === 'bad_request') {
      throw new UsageError(`--store: ${error.message}`);
    }
    throw error;
  }
  const live = output.stderr.isTTY === true && !run.quiet;
  const states = new Map<string, SyncProgress>();
  let lastDrawn = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!live || (!force && now - lastDrawn < 100)) return;
    lastDrawn = now;
    const parts = [...states.values()].map(
      (state) =>
        `${state.source} ${state.done}/${state.changed} changed of ${state.listed} listed, ${state.messages} messages`,
    );
    output.stderr.write(`\r\u001b[2Ksyncing: ${parts.join('; ')}`);
  };
  try {
    const report = await syncHistory({
      sources: targets.map((target) => target.source),
      store,
      concurrency: run.concurrency,
      full: run.full,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(run.pageSize === undefined ? {} : { pageSize: run.pageSize }),
      onProgress: (progress) => {
        states.set(`${progress.source} ${progress.account}`, progress);
        draw(false);
      },
      onWarning: (warning) => {
        if (!run.quiet)
          output.stderr.write(
            `${live ? '\r\u001b[2K' : ''}chat-history-kit: warning: ${warning.message}\n`,
          );
      },
    });
    if (live) output.stderr.write('\r\u001b[2K');
    const contents = await store.contents();
    if (run.json) {
      const line = `${JSON.stringify({ ...report, store: run.store, contents })}\n`;
      await written(output.stdout, line, run.signal);
    }
    if (!run.quiet) {
      // A store path or an account may hold control characters: each line stays one line.
      for (const line of [summaryLine(report, run.store), ...contentLines(contents)]) {
        output.stderr.write(`${safeText(line, LINE_LIMIT)}\n`);
      }
    }
    return report;
  } catch (error) {
    if (live) output.stderr.write('\r\u001b[2K');
    throw error;
  } finally {
    await store.close();
  }
}

function summaryLine(report: SyncReport, store: string): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  const { conversations, messages } = report;
  return `synced ${report.sources.map((source) => source.source).join(', ')} into ${store} in ${seconds}s: conversations ${count(conversations.upserted)} new or changed, ${count(conversations.deleted)} deleted; messages ${count(messages.upserted)} new or changed, ${count(messages.deleted)} deleted; ${count(report.requests)} requests`;
}

function contentLines(contents: readonly StoreContents[]): string[] {
  return contents.map(
    (entry) =>
      `  ${entry.source} (${entry.account}): ${count(entry.conversations)} conversations, ${count(entry.messages)} messages${entry.deletedConversations + entry.deletedMessages > 0 ? ` (${count(entry.deletedConversations)} conversations and ${count(entry.deletedMessages)} messages marked deleted)` : ''}`,
  );
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * Writes `text`, rejecting with the stream's error (a full disk; a closed pipe is `EPIPE`, which
 * ends the command quietly) instead of leaving it to crash the process. A stop (`signal`) ends
 * the wait for a pipe nobody reads.
 */
function written(
  stream: SyncOutput['stdout'],
  text: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // The stream also emits its error, which nothing else listens for.
    const failed = (error: Error) => reject(error);
    const stop = () => resolve();
    stream.once('error', failed);
    signal?.addEventListener('abort', stop, { once: true });
    stream.write(text, (error) => {
      signal?.removeEventListener('abort', stop);
      if (error) reject(error);
      else {
        stream.off('error', failed);
        resolve();
      }
    });
  });
}
