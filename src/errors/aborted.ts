import { safeText } from '../text/safe-text.js';
import { ChatHistoryError } from './chat-history-error.js';

/** The error for work the caller's signal stopped, quoting the abort reason's message. */
export function abortedError(signal: AbortSignal | undefined, source?: string): ChatHistoryError {
  const reason: unknown = signal?.reason;
  const detail = reason instanceof Error && reason.message ? `: ${safeText(reason.message)}` : '';
  return new ChatHistoryError(`Operation aborted${detail}`, {
    code: 'aborted',
    source,
    retryable: false,
  });
}
