import type { Conversation, Message } from '../model/canonical-schemas.js';
import { jsonColumnText, storableJson, type TextRules } from './storable-text.js';

/** How a column is typed in SQL and written from a canonical value. */
export type ColumnType = 'text' | 'boolean' | 'json' | 'timestamp';

interface Column<T> {
  name: string;
  type: ColumnType;
  notNull: boolean;
  /** The canonical field it holds. */
  field: keyof T & string;
  /** Whether its values are long texts (see {@link SqlDialect.longText}). */
  long: boolean;
}

function column<T>(
  name: string,
  type: ColumnType,
  field: keyof T & string,
  notNull = false,
  long = false,
): Column<T> {
  return { name, type, notNull, field, long };
}

/** A canonical record type's table: its columns, the snake_case of its fields, in order. */
export interface TableSpec<T> extends TableColumns {
  columns: readonly Column<T>[];
}

/** A table's name and its columns (before `synced_at` and `deleted_at`). */
export interface TableColumns {
  name: 'conversations' | 'messages';
  columns: readonly { name: string; type: ColumnType; field: string }[];
}

export const CONVERSATIONS: TableSpec<Conversation> = {
  name: 'conversations',
  columns: [
    column('source', 'text', 'source', true),
    column('account', 'text', 'account', true),
    column('id', 'text', 'id', true),
    column('bot_id', 'text', 'botId'),
    column('channel', 'text', 'channel'),
    column('state', 'text', 'state'),
    column('active', 'boolean', 'active'),
    column('human_handoff', 'boolean', 'humanHandoff', true),
    column('participant', 'json', 'participant', true, true),
    column('created_at', 'timestamp', 'createdAt', true),
    column('updated_at', 'timestamp', 'updatedAt'),
    column('last_message', 'json', 'lastMessage', false, true),
    column('recording', 'json', 'recording'),
    column('metadata', 'json', 'metadata', true, true),
    column('raw', 'json', 'raw', false, true),
  ],
};

export const MESSAGES: TableSpec<Message> = {
  name: 'messages',
  columns: [
    column('source', 'text', 'source', true),
    column('account', 'text', 'account', true),
    column('id', 'text', 'id', true),
    column('conversation_id', 'text', 'conversationId', true),
    column('role', 'text', 'role', true),
    column('text', 'text', 'text', true, true),
    column('attachments', 'json', 'attachments', true, true),
    column('created_at', 'timestamp', 'createdAt', true),
    column('model', 'text', 'model'),
    column('provider', 'text', 'provider'),
    column('usage', 'json', 'usage'),
    column('tool_calls', 'json', 'toolCalls', true),
    column('tool_results', 'json', 'toolResults', true),
    column('metadata', 'json', 'metadata', true, true),
    column('raw', 'json', 'raw', false, true),
  ],
};

/** What differs between the engines' SQL. */
export interface SqlDialect extends TextRules {
  /** Type of the JSON columns. */
  readonly json: 'JSON' | 'JSONB';
  /**
   * Whether `messages` has indexes: its primary key and `messages_by_conversation` (PostgreSQL,
   * whose indexes live in its files). DuckDB holds an index whole in memory, so that a key index
   * of `messages` would grow with every message stored: there the table has none, and the store
   * keeps its keys unique itself.
   */
  readonly indexesMessages: boolean;
  /**
   * What follows the type of a column whose values are long texts (messages' texts, the vendors'
   * records, JSON documents): DuckDB compresses those with zstd, in about two thirds of the time
   * its own string compressions take and into about half the space (files it creates are written
   * in a storage version that has zstd).
   */
  readonly longText: string;
  /** SQL true when `column` is one of the texts of list parameter `param` (`$4`). */
  inList(column: string, param: string): string;
  /**
   * How rows travel in one JSON parameter: an array of objects (`rows`), or one object holding
   * an array per field (`columns`), whichever the engine takes apart faster.
   */
  readonly jsonLayout: 'rows' | 'columns';
  /**
   * Whether a nested value travels as its JSON text, stored as it is (DuckDB, whose JSON parser
   * would write numbers its own way: `1e21` where JavaScript writes `1e+21`), rather than as JSON.
   */
  readonly nestedAsText: boolean;
  /**
   * A query selecting, as text columns `c0` ... `cn`, the `fields` of every row of the JSON in
   * parameter `param` (laid out as `jsonLayout` says): a nested value as its JSON text, a
   * missing field or JSON `null` as `NULL`.
   */
  jsonRows(param: string, fields: readonly JsonField[]): string;
}

/** A field of the objects a {@link SqlDialect.jsonRows} query reads: text, or nested JSON. */
export interface JsonField {
  name: string;
  json: boolean;
}

/** The SQL type of a column. */
function sqlType(type: ColumnType, dialect: SqlDialect): string {
  if (type === 'json') return dialect.json;
  if (type === 'timestamp') return 'TIMESTAMPTZ';
  return type === 'boolean' ? 'BOOLEAN' : 'TEXT';
}

/**
 * The schema's versions, oldest first: `openStore` brings a store from the version it records to
 * the last, each step in the same transaction as the new version number.
 */
export function migrations(dialect: SqlDialect): readonly (readonly string[])[] {
  const table = (
    spec: TableSpec<Conversation> | TableSpec<Message>,
    name: string = spec.name,
    keyed = true,
  ) =>
    `CREATE TABLE ${name} (\n${[
      ...spec.columns.map(
        (col) =>
          `  ${col.name} ${sqlType(col.type, dialect)}${col.long ? dialect.longText : ''}${col.notNull ? ' NOT NULL' : ''}`,
      ),
      '  synced_at TIMESTAMPTZ NOT NULL',
      `  deleted_at TIMESTAMPTZ${keyed ? ',\n  PRIMARY KEY (source, account, id)' : ''}`,
    ].join(',\n')}\n)`;
  const names = [...MESSAGES.columns.map((col) => col.name), 'synced_at', 'deleted_at'].join(', ');
  return [
    // 1: the records, and the sync's own state.
    [
      'CREATE TABLE chat_history_store (version INTEGER NOT NULL, last_sync TEXT)',
      table(CONVERSATIONS),
      table(MESSAGES),
      `CREATE TABLE chat_history_sync_sources (
  source TEXT NOT NULL, account TEXT NOT NULL, updated_since TEXT,
  PRIMARY KEY (source, account))`,
      `CREATE TABLE chat_history_sync_checkpoints (
  source TEXT NOT NULL, account TEXT NOT NULL, conversation_id TEXT NOT NULL,
  signature TEXT${dialect.longText}, cursor TEXT, overlap TEXT${dialect.longText} NOT NULL,
  full_since TEXT,
  PRIMARY KEY (source, account, conversation_id))`,
    ],
    // 2: a conversation's messages found without a scan (reads, and marking deletes).
    ['CREATE INDEX messages_by_conversation ON messages (source, account, conversation_id)'],
    // 3: `messages` without indexes where an index is held in memory (see `indexesMessages`).
    // DuckDB cannot drop a table's key: the rows move to a table without one.
    dialect.indexesMessages
      ? []
      : [
          'DROP INDEX messages_by_conversation',
          table(MESSAGES, 'chat_history_messages_unindexed', false),
          `INSERT INTO chat_history_messages_unindexed (${names}) SELECT ${names} FROM messages`,
          'DROP TABLE messages',
          'ALTER TABLE chat_history_messages_unindexed RENAME TO messages',
        ],
  ];
}

/** The schema version this library writes. */
export function latestVersion(dialect: SqlDialect): number {
  return migrations(dialect).length;
}

/**
 * An upsert of the rows `incoming` selects (columns `c0` ... `cn`, all text, in the table's
 * column order): a row is inserted, or updated when any column differs (or it was marked deleted,
 * which it no longer is). Each statement's `RETURNING` names the source of each row it wrote, so
 * the rows they return are the rows that changed. `syncedAt` is the parameter holding the sync's
 * time. One statement where the table has its key index, else an update then an insert. The
 * rows hold each key once, as the store holds it (the caller keeps the last of those it holds
 * alike): nothing else would refuse a second.
 */
export function upsertSql<T>(
  spec: TableSpec<T>,
  dialect: SqlDialect,
  incoming: string,
  syncedAt: string,
): readonly string[] {
  const updatable = spec.columns.filter((col) => !['source', 'account', 'id'].includes(col.name));
  const changed = (newValue: (col: Column<T>) => string) =>
    `${updatable
      .map((col) => `${spec.name}.${col.name} IS DISTINCT FROM ${newValue(col)}`)
      .join(' OR ')} OR ${spec.name}.deleted_at IS NOT NULL`;
  if (hasKeyIndex(spec.name, dialect)) {
    return [
      [
        insertSql(spec, dialect, incoming, syncedAt),
        'ON CONFLICT (source, account, id) DO UPDATE SET',
        `  ${updatable.map((col) => `${col.name} = excluded.${col.name}`).join(', ')},`,
        '  synced_at = excluded.synced_at, deleted_at = NULL',
        `WHERE ${changed((col) => `excluded.${col.name}`)}`,
        'RETURNING source, account',
      ].join('\n'),
    ];
  }
  const read = (col: Column<T>) => valueSql(col, spec.columns.indexOf(col), dialect);
  return [
    [
      `UPDATE ${spec.name} SET`,
      `  ${updatable.map((col) => `${col.name} = ${read(col)}`).join(', ')},`,
      `  synced_at = ${syncedAt}::TIMESTAMPTZ, deleted_at = NULL`,
      `FROM (${incoming}) AS incoming`,
      `WHERE ${sameKey(spec.name, 'incoming')} AND (${changed(read)})`,
      'RETURNING source, account',
    ].join('\n'),
    [
      insertSql(spec, dialect, incoming, syncedAt),
      `WHERE NOT EXISTS (SELECT 1 FROM ${spec.name} AS stored WHERE ${sameKey('stored', 'incoming')})`,
      'RETURNING source, account',
    ].join('\n'),
  ];
}

/** Whether `table` has its key index (see {@link SqlDialect.indexesMessages}). */
export function hasKeyIndex(table: TableColumns['name'], dialect: SqlDialect): boolean {
  return table === 'conversations' || dialect.indexesMessages;
}

/** SQL true when a row of `table` has the key of the incoming row `incoming` (`c0`, `c1`, `c2`). */
function sameKey(table: string, incoming: string): string {
  return `${table}.source = ${incoming}.c0 AND ${table}.account = ${incoming}.c1 AND ${table}.id = ${incoming}.c2`;
}

/** The value of `col`, at `index` in its table, from the text column `c<index>` of a row read. */
function valueSql<T>(col: Column<T>, index: number, dialect: SqlDialect): string {
  return col.type === 'text' ? `c${index}` : `c${index}::${sqlType(col.type, dialect)}`;
}

/**
 * A query counting (as `taken`) the rows of `table` whose keys are among those `incoming`
 * selects (`c0`, `c1`, `c2`, as for {@link upsertSql}), and the rows `incoming` repeats a key of.
 */
export function takenKeysSql(table: TableColumns['name'], incoming: string): string {
  return `SELECT (SELECT count(*) FROM ${table}
      WHERE EXISTS (SELECT 1 FROM (${incoming}) AS incoming WHERE ${sameKey(table, 'incoming')}))
    + (SELECT count(*) - count(DISTINCT (c0, c1, c2)) FROM (${incoming}) AS incoming) AS taken`;
}

/**
 * An insert of the rows `incoming` selects (as for {@link upsertSql}), which fails when one of
 * their keys is there already where the table has its key index.
 */
export function insertSql<T>(
  spec: TableSpec<T>,
  dialect: SqlDialect,
  incoming: string,
  syncedAt: string,
): string {
  const names = spec.columns.map((col) => col.name);
  const values = spec.columns.map((col, index) => valueSql(col, index, dialect));
  return [
    `INSERT INTO ${spec.name} (${names.join(', ')}, synced_at, deleted_at)`,
    `SELECT ${values.join(', ')}, ${syncedAt}::TIMESTAMPTZ, NULL FROM (${incoming}) AS incoming`,
  ].join('\n');
}

/**
 * Stamps the existing rows among those `incoming` selects with the sync's time (`c0`, `c1`, `c2`
 * are their source, account and id).
 */
export function stampSql<T>(spec: TableSpec<T>, incoming: string, syncedAt: string): string {
  const table = spec.name;
  return `UPDATE ${table} SET synced_at = ${syncedAt}::TIMESTAMPTZ FROM (${incoming}) AS incoming
    WHERE ${sameKey(table, 'incoming')}`;
}

/** The fields of a table's records, in its column order, as {@link SqlDialect.jsonRows} reads them. */
export function jsonFieldsOf(spec: TableColumns): JsonField[] {
  return spec.columns.map((col) => ({ name: col.field, json: col.type === 'json' }));
}

/**
 * The `fields` of `records` as the JSON text a {@link SqlDialect.jsonRows} query reads, with
 * every text storable.
 */
export function jsonRowsOf<T extends object>(
  records: readonly T[],
  fields: readonly JsonField[],
  dialect: SqlDialect,
): string {
  const fieldOf = (record: T, { name, json }: JsonField): unknown => {
    const value = (record as Record<string, unknown>)[name] ?? null;
    return json && dialect.nestedAsText ? jsonColumnText(value, dialect) : value;
  };
  const layout =
    dialect.jsonLayout === 'columns'
      ? Object.fromEntries(
          fields.map((field) => [field.name, records.map((record) => fieldOf(record, field))]),
        )
      : dialect.nestedAsText
        ? records.map((record) =>
            Object.fromEntries(fields.map((field) => [field.name, fieldOf(record, field)])),
          )
        : records;
  return storableJson(layout, dialect) ?? '[]';
}
