import type { ChatHistorySource } from './chat-history-source.js';
import { invalidArgument } from './errors/invalid-argument.js';

/**
 * Reads the sources a call was given: one `ChatHistorySource` or a non-empty array of them;
 * anything else is `bad_request`, named after `caller`.
 */
export function readSources(value: unknown, caller: string): readonly ChatHistorySource[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (list.length === 0) throw invalidArgument(`${caller} needs at least one source`);
  for (const source of list) {
    if (
      typeof source !== 'object' ||
      source === null ||
      typeof (source as ChatHistorySource).listConversations !== 'function' ||
      typeof (source as ChatHistorySource).listMessages !== 'function'
    ) {
      throw invalidArgument(
        `${caller} needs a ChatHistorySource (createOkChatSource(), ...) or an array of them`,
      );
    }
  }
  return list as readonly ChatHistorySource[];
}
