import { ChatHistoryError } from './chat-history-error.js';

/** The error for asking a source something it cannot do. */
export function unsupported(source: string, what: string): ChatHistoryError {
  return new ChatHistoryError(`${source} does not support ${what}`, {
    code: 'unsupported',
    source,
    retryable: false,
  });
}
