import { wellFormedText } from '../text/safe-text.js';

/**
 * Text as a database can hold it. Both engines refuse JSON with a lone UTF-16 surrogate escape
 * (`"\ud800"`), and PostgreSQL refuses the NUL character in text and in `jsonb`: those, and only
 * those, become U+FFFD. Everything else is kept as it is.
 */
export interface TextRules {
  /** Whether NUL characters must go (PostgreSQL). */
  readonly noNul: boolean;
}

// A `\u0000` or surrogate escape anywhere: the rare case, checked before any slow work.
const SUSPECT_JSON = /\\u(?:0000|[dD][89a-fA-F])/;

/** `value` as JSON text the store accepts; `undefined` is SQL `NULL`. */
export function storableJson(value: unknown, rules: TextRules): string | null {
  if (value === undefined) return null;
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  // No escape without a backslash: most texts need no closer look.
  return json.includes('\\') && SUSPECT_JSON.test(json)
    ? JSON.stringify(storableValue(value, rules))
    : json;
}

/**
 * A JSON column's value as the store writes it: the JSON text of `value`, storable, and SQL
 * `NULL` for a missing value or JSON `null`.
 */
export function jsonColumnText(value: unknown, rules: TextRules): string | null {
  if (value === null) return null;
  // Most messages' lists are empty: no call into the JSON writer for them.
  if (Array.isArray(value) && value.length === 0) return '[]';
  return storableJson(value, rules);
}

/** A text column's value the store accepts. */
export function storableText(text: string, rules: TextRules): string {
  const wellFormed = wellFormedText(text);
  return rules.noNul && wellFormed.includes('\0')
    ? wellFormed.replaceAll('\0', '\uFFFD')
    : wellFormed;
}

/** A JSON value with every key and string storable (the depth is bounded by the parser). */
function storableValue(value: unknown, rules: TextRules): unknown {
  if (typeof value === 'string') return storableText(value, rules);
  if (Array.isArray(value)) return value.map((item) => storableValue(item, rules));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(copy, storableText(key, rules), {
      value: storableValue(inner, rules),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
