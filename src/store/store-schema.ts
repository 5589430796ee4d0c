import type { Conversation, Message } from '../model/canonical-schemas.js';
import { storableJson, storableText, type TextRules } from './storable-text.js';

/** How a column is typed in SQL and written from a canonical value. */
type ColumnType = 'text' | 'boolean' | 'json' | 'timestamp';

interface Column<T> {
  name: string;
  type: ColumnType;
  notNull: boolean;
  value(record: T): unknown;
}

function column<T>(
  name: string,
  type: ColumnType,
  value: (record: T) => unknown,
  notNull = false,
): Column<T> {
  return { name, type, notNull, value };
}

/** A canonical record type's table: its columns, the snake_case of its fields, in order. */
export interface TableSpec<T> {
  name: 'conversations' | 'messages';
  columns: readonly Column<T>[];
}

export const CONVERSATIONS: TableSpec<Conversation> = {
  name: 'conversations',
  columns: [
    column('source', 'text', (c) => c.source, true),
    column('account', 'text', (c) => c.account, true),
    column('id', 'text', (c) => c.id, true),
    column('bot_id', 'text', (c) => c.botId),
    column('channel', 'text', (c) => c.channel),
    column('state', 'text', (c) => c.state),
    column('active', 'boolean', (c) => c.active),
    column('human_handoff', 'boolean', (c) => c.humanHandoff, true),
    column('participant', 'json', (c) => c.participant, true),
    column('created_at', 'timestamp', (c) => c.createdAt, true),
    column('updated_at', 'timestamp', (c) => c.updatedAt),
    column('last_message', 'json', (c) => c.lastMessage),
    column('recording', 'json', (c) => c.recording),
    column('metadata', 'json', (c) => c.metadata, true),
    column('raw', 'json', (c) => c.raw),
  ],
};

export const MESSAGES: TableSpec<Message> = {
  name: 'messages',
  columns: [
    column('source', 'text', (m) => m.source, true),
    column('account', 'text', (m) => m.account, true),
    column('id', 'text', (m) => m.id, true),
    column('conversation_id', 'text', (m) => m.conversationId, true),
    column('role', 'text', (m) => m.role, true),
    column('text', 'text', (m) => m.text, true),
    column('attachments', 'json', (m) => m.attachments, true),
    column('created_at', 'timestamp', (m) => m.createdAt, true),
    column('model', 'text', (m) => m.model),
    column('provider', 'text', (m) => m.provider),
    column('usage', 'json', (m) => m.usage),
    column('tool_calls', 'json', (m) => m.toolCalls, true),
    column('tool_results', 'json', (m) => m.toolResults, true),
    column('metadata', 'json', (m) => m.metadata, true),
    column('raw', 'json', (m) => m.raw),
  ],
};

/** What differs between the engines' SQL. */
export interface SqlDialect extends TextRules {
  /** Type of the JSON columns. */
  readonly json: 'JSON' | 'JSONB';
  /** Type of a list of texts given as one parameter. */
  readonly textList: 'VARCHAR[]' | 'text[]';
  /** SQL true when `column` is one of the texts of list parameter `param` (`$4`). */
  inList(column: string, param: string): string;
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
  const table = (spec: TableSpec<Conversation> | TableSpec<Message>) =>
    `CREATE TABLE ${spec.name} (\n${[
      ...spec.columns.map(
        (col) => `  ${col.name} ${sqlType(col.type, dialect)}${col.notNull ? ' NOT NULL' : ''}`,
      ),
      '  synced_at TIMESTAMPTZ NOT NULL',
      '  deleted_at TIMESTAMPTZ',
      '  PRIMARY KEY (source, account, id)',
    ].join(',\n')}\n)`;
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
  signature TEXT, cursor TEXT, overlap TEXT NOT NULL, full_since TEXT,
  PRIMARY KEY (source, account, conversation_id))`,
    ],
    // 2: a conversation's messages found without a scan (reads, and marking deletes).
    ['CREATE INDEX messages_by_conversation ON messages (source, account, conversation_id)'],
  ];
}

/** The schema version this library writes. */
export function latestVersion(dialect: SqlDialect): number {
  return migrations(dialect).length;
}

/**
 * An upsert of the rows `incoming` selects (columns `c0` ... `cn`, all text, in the table's
 * column order): a row is inserted, or updated when any column differs (or it was marked deleted,
 * which it no longer is). `RETURNING` names the source of each row written, so the rows it returns
 * are the rows that changed. `syncedAt` is the parameter holding the sync's time.
 */
export function upsertSql<T>(
  spec: TableSpec<T>,
  dialect: SqlDialect,
  incoming: string,
  syncedAt: string,
): string {
  const names = spec.columns.map((col) => col.name);
  const values = spec.columns.map((col, index) =>
    col.type === 'text' ? `c${index}` : `c${index}::${sqlType(col.type, dialect)}`,
  );
  const updatable = spec.columns.filter((col) => !['source', 'account', 'id'].includes(col.name));
  return [
    `INSERT INTO ${spec.name} (${names.join(', ')}, synced_at, deleted_at)`,
    `SELECT ${values.join(', ')}, ${syncedAt}::TIMESTAMPTZ, NULL FROM (${incoming}) AS incoming`,
    'ON CONFLICT (source, account, id) DO UPDATE SET',
    `  ${updatable.map((col) => `${col.name} = excluded.${col.name}`).join(', ')},`,
    '  synced_at = excluded.synced_at, deleted_at = NULL',
    `WHERE ${updatable
      .map((col) => `${spec.name}.${col.name} IS DISTINCT FROM excluded.${col.name}`)
      .join(' OR ')} OR ${spec.name}.deleted_at IS NOT NULL`,
    'RETURNING source, account',
  ].join('\n');
}

/**
 * Stamps the existing rows among those `incoming` selects with the sync's time (`c0`, `c1`, `c2`
 * are their source, account and id).
 */
export function stampSql<T>(spec: TableSpec<T>, incoming: string, syncedAt: string): string {
  const table = spec.name;
  return `UPDATE ${table} SET synced_at = ${syncedAt}::TIMESTAMPTZ FROM (${incoming}) AS incoming
    WHERE ${table}.source = incoming.c0 AND ${table}.account = incoming.c1 AND ${table}.id = incoming.c2`;
}

/** The rows of `records` as one list of texts per column, for {@link upsertSql}. */
export function columnLists<T>(
  spec: TableSpec<T>,
  records: readonly T[],
  rules: TextRules,
): (string | null)[][] {
  const lists = spec.columns.map(() => new Array<string | null>(records.length));
  records.forEach((record, row) => {
    spec.columns.forEach((col, index) => {
      const list = lists[index];
      if (list !== undefined) list[row] = encode(col.type, col.value(record), rules);
    });
  });
  return lists;
}

function encode(type: ColumnType, value: unknown, rules: TextRules): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'json') return storableJson(value, rules);
  if (type === 'boolean') return value === true ? 'true' : 'false';
  return storableText(String(value), rules);
}
