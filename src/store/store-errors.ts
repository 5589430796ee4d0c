import { ChatHistoryError } from '../errors/chat-history-error.js';
import { safeText } from '../text/safe-text.js';

/**
 * The store failed; the driver's own message, bounded and without control characters, follows
 * `what`. `redact` removes what must not be shown (a password in a connection string).
 */
export function storeFailed(
  what: string,
  cause?: unknown,
  options: { retryable?: boolean; redact?: (text: string) => string } = {},
): ChatHistoryError {
  const redact = options.redact ?? ((text: string) => text);
  const detail =
    cause instanceof Error && cause.message ? `: ${safeText(redact(cause.message))}` : '';
  return new ChatHistoryError(`${redact(what)}${detail}`, {
    code: 'store_failed',
    retryable: options.retryable ?? false,
    cause:
      cause instanceof Error
        ? Object.assign(new Error(safeText(redact(cause.message))), { name: cause.name })
        : undefined,
  });
}

/** Another sync holds the store; `holder` says who may, where it can be more than a sync. */
export function storeLocked(
  location: string,
  holder = "another sync (it holds the store's lock)",
): ChatHistoryError {
  return new ChatHistoryError(`${location} is in use by ${holder}; try again when it ends`, {
    code: 'store_locked',
  });
}

/** A driver a store needs is not installed. */
export function driverMissing(packageName: string, store: string): ChatHistoryError {
  return new ChatHistoryError(
    `${store} needs the ${packageName} package, which is not installed: npm install ${packageName}`,
    { code: 'driver_missing' },
  );
}
