import type { NdjsonWriter } from './ndjson-writer.js';
import type { ExportTarget } from './open-sources.js';
import type { Progress } from './progress.js';

export interface ExportSettings {
  format: 'messages' | 'conversations';
  concurrency: number;
  pageSize: number | undefined;
  maxConversations: number | undefined;
  signal: AbortSignal;
}

/**
 * Streams every target's conversations and messages to `writer`, one source after another and
 * each conversation's messages in order. Nothing is collected beyond one conversation's messages
 * (and only with `format: 'conversations'`).
 */
export async function runExport(
  targets: readonly ExportTarget[],
  settings: ExportSettings,
  writer: NdjsonWriter,
  progress: Progress,
): Promise<void> {
  const { concurrency, pageSize, signal } = settings;
  for (const target of targets) {
    const counts = progress.counts(target.source.id);
    const conversations = target.source.listConversations({
      state: target.state,
      maxItems: settings.maxConversations,
      pageSize,
      concurrency,
      signal,
    });
    for await (const conversation of conversations) {
      const messages = target.source.listMessages(conversation.id, {
        pageSize,
        concurrency,
        signal,
      });
      if (settings.format === 'messages') {
        for await (const message of messages) {
          await writer.write(message);
          counts.messages += 1;
        }
      } else {
        const all = await messages.toArray();
        await writer.write({ ...conversation, messages: all });
        counts.messages += all.length;
      }
      counts.conversations += 1;
    }
  }
}
