/**
 * Longest vendor- or caller-supplied text quoted in an error message or CLI line, in characters.
 * Longer text is cut and marked with `…`.
 */
export const MAX_QUOTED_LENGTH = 200;

/**
 * Characters a terminal may act on: C0 controls (ESC, CR, LF, BEL, ...), DEL, C1 controls
 * (U+009B is an 8-bit CSI), the line and paragraph separators, and the invisible marks, overrides
 * and isolates that reorder or hide what a reader sees (U+061C, U+200E/F, U+202A-E,
 * U+2060-206F, U+FEFF).
 */
const INVISIBLE =
  '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff';
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}]`, 'g');
const HAS_UNSAFE = new RegExp(UNSAFE.source);
/** A surrogate half without its partner: not text, and `encodeURIComponent` throws on it. */
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const NAMED: ReadonlyMap<string, string> = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
]);

function escapeCharacter(character: string): string {
  const named = NAMED.get(character);
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes text from a vendor or a caller safe to print: control characters are shown as escapes
 * (`\x1b`, `\n`), lone surrogates as `\ud800`, and the result is cut to `maxLength` characters
 * (a cut is marked with `…`). The text cannot move the cursor, clear the screen, set a window
 * title or start a new line.
 */
export function safeText(text: string, maxLength = MAX_QUOTED_LENGTH): string {
  let end = Math.min(text.length, maxLength);
  // Never split a surrogate pair at the cut.
  if (end < text.length && end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  const cut = text.slice(0, end);
  let safe = HAS_UNSAFE.test(cut) ? cut.replace(UNSAFE, escapeCharacter) : cut;
  if (LONE_SURROGATE.test(safe)) {
    safe = safe.replace(
      new RegExp(LONE_SURROGATE.source, 'g'),
      (half) => `\\u${half.charCodeAt(0).toString(16)}`,
    );
  }
  return cut.length < text.length ? `${safe}…` : safe;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** {@link safeText} in double quotes, for naming a value inside a sentence. */
export function quoted(value: unknown, maxLength = MAX_QUOTED_LENGTH): string {
  return `"${safeText(typeof value === 'string' ? value : String(value), maxLength)}"`;
}

/** Whether every line of `text` is free of terminal controls (newlines between lines allowed). */
export function isTerminalSafe(text: string): boolean {
  return !HAS_UNSAFE.test(text.replace(/\n/g, ''));
}

/** `String.prototype.isWellFormed` (ES2024), where the runtime has it. */
const NATIVE_WELL_FORMED =
  typeof (String.prototype as Partial<WellFormedString>).isWellFormed === 'function';

interface WellFormedString {
  isWellFormed(): boolean;
}

/** Whether `text` is well-formed UTF-16: no surrogate half without its partner. */
export function isWellFormedText(text: string): boolean {
  if (NATIVE_WELL_FORMED) return (text as unknown as WellFormedString).isWellFormed();
  return hasNoLoneSurrogate(text);
}

/** {@link isWellFormedText} for runtimes without `String.prototype.isWellFormed`. */
export function hasNoLoneSurrogate(text: string): boolean {
  return !SURROGATE.test(text) || !LONE_SURROGATE.test(text);
}

/** `text` with each surrogate half that lacks its partner replaced by U+FFFD. */
export function wellFormedText(text: string): string {
  if (isWellFormedText(text)) return text;
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** Characters `JSON.stringify` leaves raw that a terminal may still act on. */
const JSON_UNSAFE = new RegExp(`[\\u007f-\\u009f${INVISIBLE}]`, 'g');
const JSON_HAS_UNSAFE = new RegExp(JSON_UNSAFE.source);

/**
 * `JSON.stringify(value)`, with DEL, the C1 controls, the line separators and the bidirectional
 * controls written as `\uXXXX` escapes: the same JSON value, safe to show on a terminal.
 */
export function terminalSafeJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined || !JSON_HAS_UNSAFE.test(json)) return json;
  return json.replace(
    JSON_UNSAFE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
