import { exportHistory } from '../export-history.js';
import type { Loss } from '../interop/losses.js';
import { toOpenAIChatMessages } from '../interop/to-openai-chat-messages.js';
import type { InvalidRecord, ListingWarning } from '../paginate/types.js';
import type { NdjsonWriter } from './ndjson-writer.js';
import type { ExportTarget } from './open-sources.js';
import type { Progress } from './progress.js';

/** What `--format` takes. */
export const EXPORT_FORMATS = ['messages', 'conversations', 'openai-jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSettings {
  format: ExportFormat;
  concurrency: number;
  pageSize: number | undefined;
  maxConversations: number | undefined;
  /** Keep each record's vendor original in `raw`. */
  includeRaw: boolean;
  signal: AbortSignal;
  /** Hears each vendor record that could not be read; the export goes on without it. */
  onInvalidRecord: (record: InvalidRecord) => void;
  /** Hears what a listing could not do as promised (data changing faster than it can repair). */
  onWarning: (warning: ListingWarning) => void;
  /** Hears what `openai-jsonl` could not carry. */
  onLoss?: (loss: Loss) => void;
}

/**
 * Streams every target's conversations and messages to `writer`: one `exportHistory` over every
 * source, so the sources share one budget of requests in flight and the next source starts while
 * the last conversations of the previous one are fetched. Output is grouped by source, in order.
 */
export async function runExport(
  targets: readonly ExportTarget[],
  settings: ExportSettings,
  writer: NdjsonWriter,
  progress: Progress,
): Promise<void> {
  if (targets.length === 0) return;
  // Every source is named in the summary, in order, even one with nothing to export.
  for (const target of targets) progress.counts(target.source.id);
  const state = targets.find((target) => target.state !== undefined)?.state;
  const history = exportHistory(
    targets.map((target) => target.source),
    {
      state,
      maxItems: settings.maxConversations,
      pageSize: settings.pageSize,
      concurrency: settings.concurrency,
      includeRaw: settings.includeRaw,
      signal: settings.signal,
      // The live line moves as pages of messages arrive, not only as conversations end.
      onMessagesFetched: (event) => {
        progress.fetched(event.messages);
      },
      onInvalidRecord: settings.onInvalidRecord,
      onWarning: settings.onWarning,
    },
  );
  for await (const { conversation, messages, source } of history) {
    const counts = progress.counts(source.id);
    // Counted as written: what the summary says is what the output holds.
    if (settings.format === 'messages') {
      for (const message of messages) {
        await writer.write(message);
        counts.messages += 1;
      }
    } else if (settings.format === 'openai-jsonl') {
      const converted = toOpenAIChatMessages(messages, { onLoss: settings.onLoss });
      // A conversation with nothing to carry writes no line.
      if (converted.length === 0) continue;
      await writer.write({ messages: converted });
      counts.messages += converted.length;
    } else {
      await writer.write({ ...conversation, messages });
      counts.messages += messages.length;
    }
    counts.conversations += 1;
  }
}
