import { ChatHistoryError } from './chat-history-error.js';

/** Error for a caller's invalid argument or option: thrown at the call, before any request. */
export function invalidArgument(message: string, source?: string): ChatHistoryError {
  return new ChatHistoryError(message, { code: 'bad_request', source, retryable: false });
}

/**
 * Reads an options argument: `undefined` is no options; anything but a plain object (`null`, a
 * string, an array) is `bad_request`, never a `TypeError` from destructuring it.
 */
export function optionsObject<T extends object>(
  value: T | undefined,
  what: string,
  source?: string,
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(`${what} must be an object, got ${kindOf(value)}`, source);
  }
  return value;
}

/** What a caller passed, for an error: `null`, `an array`, or its `typeof`. */
export function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
