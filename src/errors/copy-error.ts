import type { Redactor } from '../text/redact.js';
import { redactJson, sanitizeError } from '../text/redact.js';
import { ChatHistoryError, type ChatHistoryErrorOptions } from './chat-history-error.js';

/**
 * A copy of `error` with some fields replaced. The copy's stack is captured anew, so it starts
 * with the new message.
 */
export function copyError(
  error: ChatHistoryError,
  changes: Partial<ChatHistoryErrorOptions> & { message?: string },
): ChatHistoryError {
  const { message = error.message, ...options } = changes;
  return new ChatHistoryError(message, {
    code: error.code,
    source: error.source,
    status: error.status,
    retryable: error.retryable,
    method: error.method,
    path: error.path,
    attempts: error.attempts,
    cursor: error.cursor,
    retryAfterMs: error.retryAfterMs,
    cause: error.cause,
    ...options,
  });
}

/**
 * A copy of `error` with every text it carries passed through `redact`: message, path, cursor and
 * the whole cause chain (copied by {@link sanitizeError}, which keeps only names, messages, codes
 * and stacks).
 */
export function redactError(error: ChatHistoryError, redact: Redactor): ChatHistoryError {
  return copyError(error, {
    message: redact(error.message),
    path: error.path === undefined ? undefined : redact(error.path),
    cursor: error.cursor === undefined ? undefined : redactJson(error.cursor, redact),
    cause: error.cause === undefined ? undefined : sanitizeError(error.cause, redact),
  });
}
