import { invalidArgument } from '../errors/invalid-argument.js';
import { isWellFormedText, quoted } from '../text/safe-text.js';

/**
 * Encodes one caller- or vendor-supplied id as a single path segment. `encodeURIComponent` leaves
 * `.` alone and URL parsers resolve `.`/`..` segments (even percent-encoded), so those are refused.
 */
export function encodePathSegment(value: string, what: string, source: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(`${what} must be a non-empty string`, source);
  }
  if (value === '.' || value === '..') {
    throw invalidArgument(`${what} cannot be "${value}"`, source);
  }
  if (!isWellFormedText(value)) {
    throw invalidArgument(
      `${what} is not well-formed text (it holds a lone surrogate): ${quoted(value, 40)}`,
      source,
    );
  }
  return encodeURIComponent(value);
}
