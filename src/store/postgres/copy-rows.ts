import { jsonColumnText, storableText, type TextRules } from '../storable-text.js';
import type { ColumnType, TableColumns, TableSpec } from '../store-schema.js';

/**
 * Rows as PostgreSQL's `COPY ... FROM STDIN` reads them (its text format): the server takes each
 * value straight into its column, where a `json_to_recordset` parameter is first parsed as one
 * JSON document, then each of its values again: the server spends about a third less time on a
 * batch of new rows. Values are written as the statements write them (storable text, nested
 * values as their JSON text), so that a row copied compares equal to the same row written later.
 */

/** The statement that copies `spec`'s rows, `deleted_at` left `NULL`. */
export function copyStatement(spec: TableColumns): string {
  const names = spec.columns.map((column) => column.name);
  return `COPY ${spec.name} (${names.join(', ')}, synced_at) FROM STDIN`;
}

/**
 * The rows of `records`, each stamped `syncedAt`, as the text {@link copyStatement} reads, in
 * pieces of about `pieceChars` characters (one row may be longer): a batch of long records would
 * otherwise make one text of hundreds of megabytes.
 */
export function* copyText<T extends object>(
  spec: TableSpec<T>,
  records: Iterable<T>,
  syncedAt: string,
  rules: TextRules,
  pieceChars = 1024 * 1024,
): Generator<string> {
  const fields = spec.columns.map((column) => ({
    field: column.field,
    text: fieldWriter(column.type, rules),
  }));
  const stamp = copyValue(syncedAt);
  let piece = '';
  for (const record of records) {
    let line = '';
    for (const { field, text } of fields) line += `${text(record[field])}\t`;
    piece += `${line}${stamp}\n`;
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}

// `NULL` in the text format.
const NULL = '\\N';

/** How a value of a column of `type` is written into a row. */
function fieldWriter(type: ColumnType, rules: TextRules): (value: unknown) => string {
  switch (type) {
    case 'json':
      return (value) => {
        const json = jsonColumnText(value, rules);
        // JSON text holds no raw tab or line break: only its backslashes need escaping.
        if (json === null) return NULL;
        return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
      };
    case 'boolean':
      return (value) => (value === null || value === undefined ? NULL : value === true ? 't' : 'f');
    default:
      return (value) =>
        value === null || value === undefined
          ? NULL
          : copyValue(storableText(String(value), rules));
  }
}

// The characters the text format gives a meaning: its escape, its column and row separators.
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/**
 * A value as the text format holds it. With every backslash doubled, no value can read as `\N`
 * (`NULL`) or as the end of the data (`\.`).
 */
function copyValue(text: string): string {
  return SPECIAL.test(text)
    ? text.replace(SPECIALS, (special) => ESCAPED[special] ?? special)
    : text;
}
