import type { JsonValue } from '../model/json.js';
import { safeText } from './safe-text.js';

const REDACTED = '[REDACTED]';
const MAX_CAUSE_DEPTH = 5;
/** Longest cause message, or line of a cause's stack, kept. */
const CAUSE_TEXT_LIMIT = 500;

/**
 * Shortest run of a secret's characters that counts as a leak. Any text that leaves the library
 * holds no run of this many consecutive characters of a secret in play, so a cut preview, a
 * parser's snippet or a vendor echoing half a key gives nothing away.
 */
export const SECRET_FRAGMENT_LENGTH = 8;
/**
 * Shortest secret redacted where it appears whole. A "key" of one to three characters protects
 * nothing, and redacting it would garble every message (`k` in `OkChat`).
 */
const MIN_WHOLE_SECRET_LENGTH = 4;

/** Replaces every occurrence of a secret, and every fragment of one, in a text. */
export type Redactor = (text: string) => string;

/**
 * Builds a {@link Redactor} for the given secrets (API keys, tokens). Every run of
 * {@link SECRET_FRAGMENT_LENGTH} or more characters found in a secret is replaced by
 * `[REDACTED]`; a secret shorter than that is replaced where it appears whole, from 4 characters
 * up.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const present = secrets.filter((secret) => typeof secret === 'string' && secret.length > 0);
  if (present.length === 0) return (text) => text;
  const short = present.filter(
    (secret) => secret.length >= MIN_WHOLE_SECRET_LENGTH && secret.length < SECRET_FRAGMENT_LENGTH,
  );
  // Matched without regard to ASCII case: URL parsers lower-case host names.
  const fragments = new Set<string>();
  for (const secret of present) {
    const folded = foldCase(secret);
    for (let start = 0; start + SECRET_FRAGMENT_LENGTH <= folded.length; start++) {
      fragments.add(folded.slice(start, start + SECRET_FRAGMENT_LENGTH));
    }
  }
  return (text) => {
    if (typeof text !== 'string') return text;
    let result = text;
    for (const secret of short) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return fragments.size === 0 ? result : redactFragments(result, fragments);
  };
}

/** ASCII letters in lower case; every other character, and so the length, unchanged. */
function foldCase(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));
}

/** Replaces each stretch of `text` covered by known fragments with one `[REDACTED]`. */
function redactFragments(text: string, fragments: ReadonlySet<string>): string {
  const folded = foldCase(text);
  let output = '';
  let copiedUpTo = 0;
  let coveredUpTo = -1;
  let runStart = -1;
  for (let index = 0; index + SECRET_FRAGMENT_LENGTH <= text.length; index++) {
    if (!fragments.has(folded.slice(index, index + SECRET_FRAGMENT_LENGTH))) continue;
    if (index > coveredUpTo) {
      if (runStart >= 0) {
        output += `${text.slice(copiedUpTo, runStart)}${REDACTED}`;
        copiedUpTo = coveredUpTo;
      }
      runStart = index;
    }
    coveredUpTo = index + SECRET_FRAGMENT_LENGTH;
  }
  if (runStart < 0) return text;
  output += `${text.slice(copiedUpTo, runStart)}${REDACTED}`;
  return output + text.slice(coveredUpTo);
}

/** A copy of a JSON value with every string in it redacted (keys included). */
export function redactJson<T extends JsonValue>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact)) as T;
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      Object.defineProperty(copy, redact(key), {
        value: redactJson(item, redact),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy as T;
  }
  return value;
}

/**
 * A copy of an error chain that is safe to expose: messages and stacks redacted, and nothing but
 * `name`, `message`, `code`, `stack` and `cause` kept. Errors from HTTP libraries carry their
 * request (headers included) as properties; the copy drops them.
 */
export function sanitizeError(error: unknown, redact: Redactor, depth = 0): Error {
  if (!(error instanceof Error)) {
    return new Error(redact(String(error)));
  }
  // Causes quote whatever failed (a vendor's Location, a parser's snippet of the body): kept
  // redacted, escaped and bounded, like every text the library shows.
  const copy = new Error(safeText(redact(String(error.message)), CAUSE_TEXT_LIMIT));
  copy.name = safeText(redact(String(error.name)), 100);
  copy.stack =
    error.stack === undefined
      ? undefined
      : redact(String(error.stack))
          .split('\n')
          .slice(0, 50)
          .map((line) => safeText(line, CAUSE_TEXT_LIMIT))
          .join('\n');
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', {
      value: typeof code === 'string' ? redact(code) : code,
      enumerable: true,
    });
  }
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    Object.defineProperty(copy, 'cause', {
      value: sanitizeError(error.cause, redact, depth + 1),
      configurable: true,
      writable: true,
    });
  }
  return copy;
}
