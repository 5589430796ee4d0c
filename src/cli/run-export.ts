import { exportHistory } from '../export-history.js';
import type { InvalidRecord } from '../paginate/types.js';
import type { NdjsonWriter } from './ndjson-writer.js';
import type { ExportTarget } from './open-sources.js';
import type { Progress } from './progress.js';

export interface ExportSettings {
  format: 'messages' | 'conversations';
  concurrency: number;
  pageSize: number | undefined;
  maxConversations: number | undefined;
  signal: AbortSignal;
  /** Hears each vendor record that could not be read; the export goes on without it. */
  onInvalidRecord: (record: InvalidRecord) => void;
}

/**
 * Streams every target's conversations and messages to `writer`, one source after another, in
 * each source's listing order, with conversations fetched side by side by `exportHistory`.
 */
export async function runExport(
  targets: readonly ExportTarget[],
  settings: ExportSettings,
  writer: NdjsonWriter,
  progress: Progress,
): Promise<void> {
  for (const target of targets) {
    const counts = progress.counts(target.source.id);
    const history = exportHistory(target.source, {
      state: target.state,
      maxItems: settings.maxConversations,
      pageSize: settings.pageSize,
      concurrency: settings.concurrency,
      signal: settings.signal,
      onInvalidRecord: settings.onInvalidRecord,
    });
    for await (const { conversation, messages } of history) {
      if (settings.format === 'messages') {
        for (const message of messages) await writer.write(message);
      } else {
        await writer.write({ ...conversation, messages });
      }
      counts.messages += messages.length;
      counts.conversations += 1;
    }
  }
}
