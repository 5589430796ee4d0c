import type { ChatHistoryError } from '../errors/chat-history-error.js';
import { type RequestDescription, refusal } from '../errors/request-error.js';
import type { Redactor } from '../text/redact.js';
import { quoted } from '../text/safe-text.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(response: Response): boolean {
  // Browsers hide manual redirects behind an opaque response of status 0.
  return REDIRECT_STATUSES.has(response.status) || response.type === 'opaqueredirect';
}

/** Drops a body that will not be read. */
export function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * Where a redirect leads, when it stays within the base URL's origin (scheme, host and port).
 * Anywhere else, credentials would go with it (fetch strips only `Authorization`) and the
 * answer would not be the vendor's: refused.
 */
export function redirectTarget(
  response: Response,
  from: string,
  origin: string,
  request: RequestDescription,
  redact: Redactor,
): string {
  if (response.type === 'opaqueredirect') {
    throw refusal(
      request,
      response.status,
      'a redirect whose target this runtime hides; redirects are followed only within the base URL origin',
    );
  }
  const location = response.headers.get('location');
  let target: URL | undefined;
  try {
    target = location === null ? undefined : new URL(location, from);
  } catch {
    target = undefined;
  }
  if (target === undefined) {
    throw refusal(request, response.status, 'a redirect without a readable Location');
  }
  if (target.origin !== origin) {
    throw foreignOrigin(request, response.status, target, origin, redact);
  }
  if (target.username || target.password) {
    throw refusal(request, response.status, 'a redirect to a URL that carries credentials');
  }
  return target.href;
}

/** A `fetch` of the caller's own that followed redirects by itself: its answer is refused too. */
export function refuseForeignFinalURL(
  response: Response,
  origin: string,
  request: RequestDescription,
  redact: Redactor,
): void {
  if (!response.redirected || !response.url) return;
  let target: URL;
  try {
    target = new URL(response.url);
  } catch {
    return;
  }
  if (target.origin !== origin) {
    discard(response);
    throw foreignOrigin(request, response.status, target, origin, redact);
  }
}

function foreignOrigin(
  request: RequestDescription,
  status: number,
  target: URL,
  origin: string,
  redact: Redactor,
): ChatHistoryError {
  const targetOrigin = target.origin === 'null' ? target.protocol : target.origin;
  const downgrade = origin.startsWith('https:') && target.protocol === 'http:';
  const why = downgrade
    ? 'a downgrade from https to http is never followed'
    : `credentials are never sent to another origin than ${origin}`;
  return refusal(
    request,
    status,
    `redirect to ${quoted(redact(targetOrigin), 120)} refused: ${why}`,
  );
}
