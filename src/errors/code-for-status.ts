import type { ChatHistoryErrorCode } from './chat-history-error.js';

/** Maps an HTTP status to the error code callers switch on. */
export function codeForStatus(status: number): ChatHistoryErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

/** Whether a response with this status is worth sending again (408, 429 and 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}
