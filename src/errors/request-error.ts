import { FetchError } from 'ofetch';
import { parseRateLimitReset, parseRetryAfter } from '../http/retry.js';
import type { Redactor } from '../text/redact.js';
import { sanitizeError } from '../text/redact.js';
import { safeText } from '../text/safe-text.js';
import { ChatHistoryError, type ChatHistoryErrorCode } from './chat-history-error.js';
import { codeForStatus, isRetryableStatus } from './code-for-status.js';
import { copyError } from './copy-error.js';

/** The request an error is about: named the same way in every message. */
export interface RequestDescription {
  method: string;
  path: string;
  source: string;
}

/** The one format of a failed request's message: `GET /path -> outcome (source)`. */
export function describeRequest(
  { method, path, source }: RequestDescription,
  outcome: string,
): string {
  return `${method} ${path} -> ${outcome} (${source})`;
}

/** A vendor answer refused on principle: not retried, since the same request would get it again. */
export function refusal(
  request: RequestDescription,
  status: number,
  what: string,
): ChatHistoryError {
  return new ChatHistoryError(describeRequest(request, `${status} invalid_response: ${what}`), {
    ...request,
    code: 'invalid_response',
    status,
    retryable: false,
  });
}

/** The request took longer than `timeout` ms. */
export function timeoutError(request: RequestDescription, timeout: number): ChatHistoryError {
  return new ChatHistoryError(describeRequest(request, `timeout after ${timeout} ms`), {
    ...request,
    code: 'timeout',
  });
}

/** An HTTP error status, with the vendor's own explanation when it gave one. */
export function statusError(
  status: number,
  headers: Headers,
  body: string,
  request: RequestDescription,
  redact: Redactor,
): ChatHistoryError {
  const code: ChatHistoryErrorCode = codeForStatus(status);
  const vendorMessage = readVendorMessage(body, redact);
  const retryAfterMs =
    parseRetryAfter(headers.get('retry-after')) ??
    (status === 429 ? parseRateLimitReset(headers.get('x-ratelimit-reset')) : undefined);
  return new ChatHistoryError(
    describeRequest(request, `${status} ${code}`) + (vendorMessage ? `: ${vendorMessage}` : ''),
    {
      ...request,
      code,
      status,
      retryable: isRetryableStatus(status),
      retryAfterMs,
    },
  );
}

/** The vendor's own explanation (`{ "error": "..." }` and the like), short and redacted. */
function readVendorMessage(body: string, redact: Redactor): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  for (const key of ['message', 'error', 'detail', 'error_description']) {
    const value = Object.hasOwn(record, key) ? record[key] : undefined;
    if (typeof value === 'string' && value.trim() !== '') return safeText(redact(value.trim()));
  }
  // An error list (`{ "errors": [{ "code": "...", "message": "..." }] }`): its first message.
  const list = Object.hasOwn(record, 'errors') ? record.errors : undefined;
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  if (typeof first === 'object' && first !== null && Object.hasOwn(first, 'message')) {
    const value = (first as Record<string, unknown>).message;
    if (typeof value === 'string' && value.trim() !== '') return safeText(redact(value.trim()));
  }
  return undefined;
}

export function networkError(
  error: unknown,
  request: RequestDescription,
  redact: Redactor,
  /** The page's origin, when a browser refused the answer for want of CORS headers. */
  refusedForOrigin?: string,
): ChatHistoryError {
  // ofetch wraps the fetch failure in a FetchError that exposes the request options (headers
  // included) as getters: keep only a sanitized copy of what it wraps.
  const underlying = error instanceof FetchError && error.cause !== undefined ? error.cause : error;
  const cause = sanitizeError(underlying, redact);
  const detail = safeText(rootMessage(cause));
  // A refusal for want of CORS headers: no retry changes it.
  const cors = refusedForOrigin !== undefined;
  const hint = cors
    ? ` (the browser refused the answer: the server must send Access-Control-Allow-Origin for ${safeText(refusedForOrigin, 100)}; not retried)`
    : '';
  return new ChatHistoryError(
    describeRequest(request, `network error${detail ? `: ${detail}` : ''}${hint}`),
    {
      ...request,
      code: 'network',
      cause,
      ...(cors ? { retryable: false } : {}),
    },
  );
}

function rootMessage(error: Error): string {
  let current: unknown = error;
  let message = error.message;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

/** The last failure of a request tried several times, saying how many. */
export function withAttempts(error: ChatHistoryError, attempts: number): ChatHistoryError {
  if (attempts === 1) return error;
  return copyError(error, { message: `${error.message} after ${attempts} attempts`, attempts });
}
