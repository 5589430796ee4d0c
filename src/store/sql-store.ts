import { ChatHistoryError } from '../errors/chat-history-error.js';
import type { JsonObject } from '../model/json.js';
import { storableText, type TextRules } from './storable-text.js';
import {
  addChanges,
  type ChangeCounts,
  type ConversationCheckpoint,
  noChanges,
  type SourceKey,
  type SourceState,
  type Store,
  type StoreBatch,
  type StoreBatchResult,
  type StoreContents,
  type StoredConversation,
  type StoreKind,
  type StoreSync,
  sourceKeyOf,
} from './store.js';
import { storeFailed, storeLocked } from './store-errors.js';
import {
  CONVERSATIONS,
  hasKeyIndex,
  insertSql,
  type JsonField,
  jsonFieldsOf,
  jsonRowsOf,
  latestVersion,
  MESSAGES,
  migrations,
  type SqlDialect,
  stampSql,
  type TableColumns,
  type TableSpec,
  takenKeysSql,
  upsertSql,
} from './store-schema.js';
import { type RowKey, WrittenKeys } from './written-keys.js';

/** The key fields of a record, as {@link takenKeysSql} reads them. */
const KEY_FIELDS: readonly JsonField[] = ['source', 'account', 'id'].map((name) => ({
  name,
  json: false,
}));

/** A parameter: a text, `NULL`, or a list of texts. */
export type SqlParam = string | null | readonly (string | null)[];

/** A row as a driver returns it. */
export type SqlRow = Record<string, unknown>;

/** One connection to a database, as the engines' drivers are wrapped. */
export interface SqlConnection {
  query(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /**
   * Inserts records straight into a table, in the connection's open transaction (failing, as the
   * statement would, when the table's key index finds a key there already): faster than every
   * statement where the driver can (DuckDB's appender, PostgreSQL's `COPY`). Without it, records
   * are inserted by a statement.
   */
  append?<T extends object>(
    table: TableSpec<T>,
    records: readonly T[],
    syncedAt: string,
  ): Promise<void>;
  close(): Promise<void>;
}

/** What an engine adds to the shared SQL store. */
export interface SqlEngine {
  kind: StoreKind;
  location: string;
  dialect: SqlDialect;
  connection: SqlConnection;
  /**
   * A second connection for a sync's reads, so that they do not wait for a batch being written
   * (they see what is committed, which is all a sync reads). Without one, reads take turns
   * with the writes.
   */
  reads?: SqlConnection;
  /** Takes the engine's cross-process sync lock: `false` when another holder has it. */
  lock(): Promise<boolean>;
  unlock(): Promise<void>;
  /**
   * Batches committed together: a sync cuts its batches at multiples of `batchMessages`, and the
   * store leaves each batch's transaction open until the messages written since the sync began
   * reach a multiple of `commitEvery` (or {@link GROUP_OPEN_MS} pass, or the sync commits). DuckDB
   * writes a transaction that appends a whole row group straight into the file, compressed,
   * rather than into its log and again at its next checkpoint. Without it, each batch commits
   * alone.
   */
  grouping?: { batchMessages: number; commitEvery: number };
  /**
   * Hears that batches inserting or changing `messages` messages were committed, before the next
   * statement (no read runs meanwhile): where the engine chooses when to move its log into the
   * file (DuckDB). A rejection fails the write; what it committed stays.
   */
  committed?(messages: number): Promise<void>;
  /** Serializes schema changes across processes, inside the migration's transaction. */
  lockSchema?(): Promise<void>;
  /** Runs after `close()` released the connection. */
  release?(): Promise<void> | void;
}

/** Messages a batch holds at most where the engine does not say (see {@link SqlEngine.grouping}). */
const BATCH_MESSAGES = 5000;

/**
 * Longest a transaction holding batches stays open (see {@link SqlEngine.grouping}), in
 * milliseconds: what a sync killed meanwhile read is read again by the next one.
 */
export const GROUP_OPEN_MS = 10_000;

/** Creates or migrates the schema, then wraps the engine as a {@link Store}. */
export async function openSqlStore(engine: SqlEngine): Promise<Store> {
  await migrate(engine);
  return new SqlStore(engine);
}

/** Brings the schema to `target` (the latest by default), never dropping anything. */
export async function migrate(engine: SqlEngine, target = latestVersion(engine.dialect)) {
  const { connection, dialect } = engine;
  await transaction(connection, async () => {
    await engine.lockSchema?.();
    const found = await connection.query(
      `SELECT count(*) AS tables FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_name = 'chat_history_store'`,
    );
    let version = 0;
    if (Number(found[0]?.tables) > 0) {
      const rows = await connection.query('SELECT version FROM chat_history_store');
      version = Number(rows[0]?.version ?? 0);
    }
    if (version === 0) {
      // A store's first tables: a database that has tables of these names holds data of its
      // own, which is left as it is.
      const taken = await connection.query(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name IN ('conversations', 'messages')
         ORDER BY table_name`,
      );
      if (taken.length > 0) {
        throw storeFailed(
          `${engine.location} already has a table named ${taken.map((row) => String(row.name)).join(' and ')} of its own, not made by chat-history-kit: give a file or database of the store's own`,
        );
      }
    }
    const steps = migrations(dialect);
    if (version > steps.length) {
      throw storeFailed(
        `${engine.location} has schema version ${version}, newer than this version of chat-history-kit knows (${steps.length}): update chat-history-kit`,
      );
    }
    for (let next = version + 1; next <= target; next++) {
      for (const statement of steps[next - 1] ?? []) await connection.query(statement);
      await connection.query(
        next === 1
          ? 'INSERT INTO chat_history_store (version, last_sync) VALUES (1, NULL)'
          : `UPDATE chat_history_store SET version = ${next}`,
      );
    }
  });
}

/**
 * The message deletes, one per conversation, with the latest `since` of those given for it:
 * what is not seen since the latest was not seen since any of them. Canonical timestamps order
 * as their text does.
 */
function latestPerConversation(
  deletes: StoreBatch['messageDeletes'],
): StoreBatch['messageDeletes'] {
  const latest = new Map<string, StoreBatch['messageDeletes'][number]>();
  for (const gone of deletes) {
    const key = JSON.stringify([gone.source, gone.account, gone.conversationId]);
    const found = latest.get(key);
    if (found === undefined || found.since < gone.since) latest.set(key, gone);
  }
  return [...latest.values()];
}

/**
 * The records, keeping of those whose keys the store holds alike (ids differing only in a
 * character the engine cannot store, see `storable-text`) the last one: one statement cannot
 * write a row twice.
 */
function lastPerStoredKey<T extends RowKey>(records: readonly T[], rules: TextRules): readonly T[] {
  const last = new Map<string, number>();
  records.forEach((record, index) => {
    const key = [record.source, record.account, record.id].map((part) => storableText(part, rules));
    last.set(JSON.stringify(key), index);
  });
  if (last.size === records.length) return records;
  const kept = new Set(last.values());
  return records.filter((_, index) => kept.has(index));
}

async function transaction<T>(connection: SqlConnection, work: () => Promise<T>): Promise<T> {
  await connection.query('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * One statement or transaction on the connection at a time: a sync reads (the listing's
 * conversations) while its batches are written, and a read must not land inside a write's
 * transaction.
 */
class Turns {
  #last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#last.then(work, work);
    this.#last = turn.catch(() => undefined);
    return turn;
  }
}

class SqlStore implements Store {
  readonly kind: StoreKind;
  readonly location: string;
  readonly #engine: SqlEngine;
  readonly #turns = new Turns();
  readonly #readTurns = new Turns();
  #syncing = false;
  #closed: Promise<void> | undefined;

  constructor(engine: SqlEngine) {
    this.#engine = engine;
    this.kind = engine.kind;
    this.location = engine.location;
  }

  async beginSync(): Promise<StoreSync> {
    if (this.#closed) throw storeFailed(`${this.location} is closed`);
    if (this.#syncing) throw storeLocked(this.location);
    this.#syncing = true;
    try {
      if (!(await this.#turns.run(() => this.#engine.lock()))) throw storeLocked(this.location);
    } catch (error) {
      this.#syncing = false;
      throw error;
    }
    try {
      const syncedAt = await this.#turns.run(() => this.#nextSyncTime());
      const reads = this.#engine.reads
        ? { connection: this.#engine.reads, turns: this.#readTurns }
        : { connection: this.#engine.connection, turns: this.#turns };
      return new SqlStoreSync(this.#engine, this.#turns, reads, syncedAt, async () => {
        this.#syncing = false;
        await this.#turns.run(() => this.#engine.unlock());
      });
    } catch (error) {
      this.#syncing = false;
      await this.#turns.run(() => this.#engine.unlock()).catch(() => undefined);
      throw error;
    }
  }

  /** Now, or just after the last sync when the clock went back. */
  async #nextSyncTime(): Promise<string> {
    const { connection } = this.#engine;
    return transaction(connection, async () => {
      const rows = await connection.query('SELECT last_sync FROM chat_history_store');
      const last = rows[0]?.last_sync;
      const now = microsecondsOf(canonicalNow());
      const next = typeof last === 'string' ? Math.max(now, microsecondsOf(last) + 1) : now;
      const syncedAt = canonicalOf(next);
      await connection.query('UPDATE chat_history_store SET last_sync = $1', [syncedAt]);
      return syncedAt;
    });
  }

  async contents(): Promise<StoreContents[]> {
    const count = (table: string) =>
      `SELECT source, account, count(*) FILTER (WHERE deleted_at IS NULL) AS live,
         count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted
       FROM ${table} GROUP BY source, account`;
    const [conversations, messages] = await this.#turns.run(async () => [
      await this.#engine.connection.query(count('conversations')),
      await this.#engine.connection.query(count('messages')),
    ]);
    const found = new Map<string, StoreContents>();
    for (const [rows, live, deleted] of [
      [conversations, 'conversations', 'deletedConversations'],
      [messages, 'messages', 'deletedMessages'],
    ] as const) {
      for (const row of rows ?? []) {
        const key = { source: String(row.source), account: String(row.account) };
        const entry = found.get(sourceKeyOf(key)) ?? {
          ...key,
          conversations: 0,
          messages: 0,
          deletedConversations: 0,
          deletedMessages: 0,
        };
        entry[live] = Number(row.live);
        entry[deleted] = Number(row.deleted);
        found.set(sourceKeyOf(key), entry);
      }
    }
    return [...found.values()].sort((a, b) =>
      sourceKeyOf(a) < sourceKeyOf(b) ? -1 : sourceKeyOf(a) > sourceKeyOf(b) ? 1 : 0,
    );
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#readTurns.run(async () => this.#engine.reads?.close());
        await this.#turns.run(() => this.#engine.connection.close());
      } finally {
        await this.#engine.release?.();
      }
    })();
    return this.#closed;
  }
}

class SqlStoreSync implements StoreSync {
  readonly syncedAt: string;
  readonly batchMessages: number;
  readonly #engine: SqlEngine;
  readonly #turns: Turns;
  readonly #reads: { connection: SqlConnection; turns: Turns };
  readonly #end: () => Promise<void>;
  // The keys this sync writes to each table, where no key index keeps them unique (DuckDB's
  // messages), or where rows taken for new are looked for before they are written (`grouping`:
  // a key index is found only by a scan of the table there).
  readonly #written: Record<TableColumns['name'], WrittenKeys>;
  #ended: Promise<void> | undefined;
  // The transaction left open by the batches written since the last commit (`grouping`), with
  // the messages they inserted or changed.
  #open: { messages: number } | undefined;
  // Commits the open transaction once it has been open for GROUP_OPEN_MS.
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Messages of every batch written, to find the multiples of `grouping.commitEvery`.
  #messages = 0;
  // Why a commit on the timer failed: every later write and commit fails with it.
  #failure: unknown;

  constructor(
    engine: SqlEngine,
    turns: Turns,
    reads: { connection: SqlConnection; turns: Turns },
    syncedAt: string,
    end: () => Promise<void>,
  ) {
    this.#engine = engine;
    this.#turns = turns;
    this.#reads = reads;
    this.syncedAt = syncedAt;
    this.batchMessages = engine.grouping?.batchMessages ?? BATCH_MESSAGES;
    this.#end = end;
    const keysOf = (table: TableColumns['name']) =>
      new WrittenKeys(table, engine.dialect, (sql, params) => engine.connection.query(sql, params));
    this.#written = { conversations: keysOf(CONVERSATIONS.name), messages: keysOf(MESSAGES.name) };
  }

  async readSource(key: SourceKey): Promise<SourceState | null> {
    const rows = await this.#query(
      'SELECT updated_since FROM chat_history_sync_sources WHERE source = $1 AND account = $2',
      [key.source, key.account],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return { updatedSince: typeof row.updated_since === 'string' ? row.updated_since : null };
  }

  async readConversations(
    key: SourceKey,
    ids: readonly string[],
  ): Promise<Map<string, StoredConversation>> {
    const found = new Map<string, StoredConversation>();
    if (ids.length === 0) return found;
    const { dialect } = this.#engine;
    const params = [key.source, key.account, ids];
    const rows = await this.#query(
      `SELECT id, deleted_at IS NOT NULL AS deleted FROM conversations
       WHERE source = $1 AND account = $2 AND ${dialect.inList('id', '$3')}`,
      params,
    );
    // Ids as asked for: the store may hold a few characters of them otherwise (storable-text).
    const asked = new Map(ids.map((id) => [storableText(id, dialect), id]));
    const idOf = (stored: unknown) => asked.get(String(stored)) ?? String(stored);
    for (const row of rows) {
      found.set(idOf(row.id), { deleted: row.deleted === true, checkpoint: null });
    }
    const checkpoints = await this.#query(
      `SELECT conversation_id, signature, cursor, overlap, full_since
       FROM chat_history_sync_checkpoints
       WHERE source = $1 AND account = $2 AND ${dialect.inList('conversation_id', '$3')}`,
      params,
    );
    for (const row of checkpoints) {
      const id = idOf(row.conversation_id);
      const checkpoint = readCheckpoint(row);
      const stored = found.get(id);
      if (stored) stored.checkpoint = checkpoint;
      else found.set(id, { deleted: false, checkpoint });
    }
    return found;
  }

  async write(batch: StoreBatch): Promise<StoreBatchResult> {
    // Once ended, another sync may write the store: what this one remembers would be stale.
    if (this.#ended !== undefined)
      throw storeFailed(`${this.#engine.location}: the sync has ended`);
    const { connection, grouping } = this.#engine;
    try {
      return await this.#turns.run(async () => {
        if (this.#failure !== undefined) throw this.#failure;
        if (grouping !== undefined) return await this.#writeGrouped(batch, grouping.commitEvery);
        let result: StoreBatchResult | undefined;
        if (batch.newConversations > 0 || batch.newMessages > 0) {
          try {
            result = await transaction(connection, () => this.#write(batch, true));
          } catch {
            // A row taken for new was there (a vendor repeating an id in two conversations,
            // what an interrupted sync left): the batch again, every row compared.
          }
        }
        result ??= await transaction(connection, () => this.#write(batch, false));
        await this.#committed(totalOf(result).messages.upserted);
        return result;
      });
    } catch (error) {
      throw ChatHistoryError.is(error) ? error : storeFailed(this.#what('write'), error);
    }
  }

  /**
   * Writes the batch into the open transaction (beginning one, to be committed at the latest
   * GROUP_OPEN_MS later), then commits when the messages written reach a multiple of
   * `commitEvery`.
   * Rows taken for new are looked for before anything is written: a failed statement would roll
   * back the batches before this one too.
   */
  async #writeGrouped(batch: StoreBatch, commitEvery: number): Promise<StoreBatchResult> {
    const { connection } = this.#engine;
    if (this.#open === undefined) {
      await connection.query('BEGIN TRANSACTION');
      this.#open = { messages: 0 };
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#turns
          .run(() => this.#commitOpen())
          .catch((error: unknown) => {
            this.#failure ??= ChatHistoryError.is(error)
              ? error
              : storeFailed(this.#what('write'), error);
          });
      }, GROUP_OPEN_MS);
      // A sync that is never ended keeps the process up no longer than its own work does.
      this.#timer.unref?.();
    }
    const open = this.#open;
    let result: StoreBatchResult;
    try {
      const insertNew =
        (batch.newConversations > 0 || batch.newMessages > 0) && (await this.#noneTaken(batch));
      result = await this.#write(batch, insertNew, true);
    } catch (error) {
      this.#open = undefined;
      this.#stopTimer();
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    open.messages += totalOf(result).messages.upserted;
    const before = this.#messages;
    this.#messages += batch.messages.length;
    if (Math.floor(before / commitEvery) < Math.floor(this.#messages / commitEvery)) {
      await this.#commitOpen();
    }
    return result;
  }

  async commit(): Promise<void> {
    try {
      await this.#turns.run(async () => {
        if (this.#failure !== undefined) throw this.#failure;
        await this.#commitOpen();
      });
    } catch (error) {
      throw ChatHistoryError.is(error) ? error : storeFailed(this.#what('write'), error);
    }
  }

  /** Commits the transaction the batches left open, if any (on the connection's turn). */
  async #commitOpen(): Promise<void> {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    this.#stopTimer();
    try {
      await this.#engine.connection.query('COMMIT');
    } catch (error) {
      await this.#engine.connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await this.#committed(open.messages);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Tells the engine what a commit wrote (see {@link SqlEngine.committed}). */
  async #committed(messages: number): Promise<void> {
    // No read runs meanwhile: the engine may bound its memory tightly (DuckDB's checkpoint).
    if (this.#reads.turns === this.#turns) await this.#engine.committed?.(messages);
    else await this.#reads.turns.run(async () => this.#engine.committed?.(messages));
  }

  /**
   * Whether none of the rows the batch takes for new is stored, or repeated among them: a scan
   * of the table's keys, only when the keys this sync wrote cannot tell.
   */
  async #noneTaken(batch: StoreBatch): Promise<boolean> {
    for (const [spec, records, fresh] of [
      [CONVERSATIONS, batch.conversations, batch.newConversations],
      [MESSAGES, batch.messages, batch.newMessages],
    ] as const) {
      if (fresh === 0) continue;
      const rows = records.slice(0, fresh);
      if (!(await this.#written[spec.name].mayBeTaken(rows))) continue;
      if ((await this.#taken(spec.name, rows)) > 0) return false;
    }
    return true;
  }

  /** How many of the rows have a key the table holds, or one repeated among them. */
  async #taken(table: TableColumns['name'], rows: readonly RowKey[]): Promise<number> {
    const { dialect, connection } = this.#engine;
    const [found] = await connection.query(
      takenKeysSql(table, dialect.jsonRows('$1', KEY_FIELDS)),
      [jsonRowsOf(rows, KEY_FIELDS, dialect)],
    );
    return Number(found?.taken);
  }

  /**
   * Writes the batch in the open transaction, inserting the rows taken for new without
   * comparing when `insertNew` (without looking for them first when `checked`).
   */
  async #write(batch: StoreBatch, insertNew: boolean, checked = false): Promise<StoreBatchResult> {
    const { dialect, connection } = this.#engine;
    const counts: StoreBatchResult = new Map();
    // Rows come in runs of one source and account: the counts of the row before serve most.
    let last: { source: string; account: string; counts: ChangeCounts } | undefined;
    const countsOf = (key: SourceKey) => {
      if (last?.source === key.source && last.account === key.account) return last.counts;
      const id = sourceKeyOf(key);
      let found = counts.get(id);
      if (found === undefined) {
        found = noChanges();
        counts.set(id, found);
      }
      last = { source: key.source, account: key.account, counts: found };
      return found;
    };
    const syncedAt = this.syncedAt;

    for (const [spec, records, fresh, field] of [
      [CONVERSATIONS, batch.conversations, batch.newConversations, 'conversations'],
      [MESSAGES, batch.messages, batch.newMessages, 'messages'],
    ] as const) {
      const inserted = insertNew ? fresh : 0;
      if (inserted > 0) {
        const rows = records.slice(0, inserted);
        await this.#insert(spec as TableSpec<(typeof rows)[number]>, rows, checked);
        for (const row of rows) countsOf(row)[field].upserted += 1;
      }
      await this.#upsert(
        spec as TableSpec<(typeof records)[number]>,
        inserted > 0 ? records.slice(inserted) : records,
        field,
        countsOf,
      );
    }

    if (batch.checkpoints.length > 0) {
      const keyed = batch.checkpoints.map((row) => ({ ...row, id: row.conversationId }));
      const rows = lastPerStoredKey(keyed, dialect).map((row) => ({
        source: row.source,
        account: row.account,
        conversationId: row.conversationId,
        signature: row.checkpoint.signature,
        cursor: row.checkpoint.cursor === null ? null : JSON.stringify(row.checkpoint.cursor),
        overlap: JSON.stringify(row.checkpoint.overlap),
        fullSince: row.checkpoint.fullSince,
      }));
      const fields = [
        'source',
        'account',
        'conversationId',
        'signature',
        'cursor',
        'overlap',
        'fullSince',
      ].map((name) => ({ name, json: false }));
      const incoming = dialect.jsonRows('$1', fields);
      await connection.query(
        `INSERT INTO chat_history_sync_checkpoints
           (source, account, conversation_id, signature, cursor, overlap, full_since)
         SELECT * FROM (${incoming}) AS incoming
         ON CONFLICT (source, account, conversation_id) DO UPDATE SET
           signature = excluded.signature, cursor = excluded.cursor,
           overlap = excluded.overlap, full_since = excluded.full_since`,
        [jsonRowsOf(rows, fields, dialect)],
      );
    }

    if (batch.messageDeletes.length > 0) {
      // One statement for the batch's conversations (a statement each scanned the table each
      // time where it has no index: DuckDB), each conversation once: a row joined twice would be
      // returned, and counted, twice.
      const fields = ['source', 'account', 'conversationId', 'since'].map((name) => ({
        name,
        json: false,
      }));
      const rows = await connection.query(
        `UPDATE messages SET deleted_at = $1::TIMESTAMPTZ
         FROM (${dialect.jsonRows('$2', fields)}) AS gone
         WHERE messages.source = gone.c0 AND messages.account = gone.c1
           AND messages.conversation_id = gone.c2 AND messages.deleted_at IS NULL
           AND messages.synced_at < gone.c3::TIMESTAMPTZ
         RETURNING messages.source, messages.account`,
        [syncedAt, jsonRowsOf(latestPerConversation(batch.messageDeletes), fields, dialect)],
      );
      for (const row of rows) {
        countsOf({
          source: String(row.source),
          account: String(row.account),
        }).messages.deleted += 1;
      }
    }

    for (const gone of batch.conversationDeletes) {
      const conversations = await connection.query(
        `UPDATE conversations SET deleted_at = $1::TIMESTAMPTZ
         WHERE source = $2 AND account = $3 AND deleted_at IS NULL AND synced_at < $4::TIMESTAMPTZ
         RETURNING id`,
        [syncedAt, gone.source, gone.account, gone.since],
      );
      const counted = countsOf(gone);
      counted.conversations.deleted += conversations.length;
      // Conversations whose messages may be stored and live: those just marked deleted, and
      // those whose first reading stopped before their row was written (a checkpoint, no row).
      const unwritten = await connection.query(
        `SELECT k.conversation_id AS id FROM chat_history_sync_checkpoints AS k
         WHERE k.source = $1 AND k.account = $2 AND NOT EXISTS (SELECT 1 FROM conversations AS c
           WHERE c.source = k.source AND c.account = k.account AND c.id = k.conversation_id)`,
        [gone.source, gone.account],
      );
      const withRow = conversations.map((row) => String(row.id));
      const withoutRow = unwritten.map((row) => String(row.id));
      const ids = [...withRow, ...withoutRow];
      if (ids.length === 0) continue;
      const messages = await connection.query(
        `UPDATE messages SET deleted_at = $1::TIMESTAMPTZ
         WHERE source = $2 AND account = $3 AND deleted_at IS NULL
           AND ${dialect.inList('conversation_id', '$4')}
         RETURNING id`,
        [syncedAt, gone.source, gone.account, ids],
      );
      counted.messages.deleted += messages.length;
      // The next sync that lists one of them again reads it whole: a deleted row says so, and
      // a checkpoint without a row is kept, emptied, to say that messages may be stored.
      if (withRow.length > 0) {
        await connection.query(
          `DELETE FROM chat_history_sync_checkpoints
           WHERE source = $1 AND account = $2 AND ${dialect.inList('conversation_id', '$3')}`,
          [gone.source, gone.account, withRow],
        );
      }
      if (withoutRow.length > 0) {
        await connection.query(
          `UPDATE chat_history_sync_checkpoints
           SET signature = NULL, cursor = NULL, overlap = '[]', full_since = NULL
           WHERE source = $1 AND account = $2 AND ${dialect.inList('conversation_id', '$3')}`,
          [gone.source, gone.account, withoutRow],
        );
      }
    }

    for (const { source, account, state } of batch.sources) {
      await connection.query(
        `INSERT INTO chat_history_sync_sources (source, account, updated_since)
         VALUES ($1, $2, $3)
         ON CONFLICT (source, account) DO UPDATE SET updated_since = excluded.updated_since`,
        [source, account, state.updatedSince],
      );
    }
    return counts;
  }

  /**
   * Inserts records the store does not hold, failing when one is there: the table's key index
   * finds it, or, without one, a scan of the table's keys (when the keys this sync wrote do not
   * tell that none can be). `checked`: they were looked for already (see `#noneTaken`).
   */
  async #insert<T extends RowKey>(
    spec: TableSpec<T>,
    records: readonly T[],
    checked: boolean,
  ): Promise<void> {
    const { dialect, connection } = this.#engine;
    if (
      !checked &&
      !hasKeyIndex(spec.name, dialect) &&
      (await this.#written[spec.name].mayBeTaken(records))
    ) {
      const taken = await this.#taken(spec.name, records);
      if (taken > 0) throw storeFailed(`${taken} of the rows taken for new have a key taken`);
    }
    if (connection.append !== undefined) {
      await connection.append(spec, records, this.syncedAt);
      return;
    }
    const fields = jsonFieldsOf(spec);
    const sql = insertSql(spec, dialect, dialect.jsonRows('$1', fields), '$2');
    for (const json of jsonPayloads(records, fields, dialect)) {
      await connection.query(sql, [json, this.syncedAt]);
    }
  }

  /** Upserts the records, stamping every one seen, and counts those inserted or changed. */
  async #upsert<T extends { source: string; account: string; id: string }>(
    spec: TableSpec<T>,
    records: readonly T[],
    field: 'conversations' | 'messages',
    countsOf: (key: SourceKey) => ChangeCounts,
  ): Promise<void> {
    if (records.length === 0) return;
    const { dialect, connection } = this.#engine;
    const fields = jsonFieldsOf(spec);
    const incoming = dialect.jsonRows('$1', fields);
    for (const json of jsonPayloads(lastPerStoredKey(records, dialect), fields, dialect)) {
      const params = [json, this.syncedAt];
      // Every row seen is stamped, changed or not: a later complete listing or re-read marks
      // deleted what was not seen since it started.
      await connection.query(stampSql(spec, incoming, '$2'), params);
      for (const statement of upsertSql(spec, dialect, incoming, '$2')) {
        for (const row of await connection.query(statement, params)) {
          countsOf({ source: String(row.source), account: String(row.account) })[field].upserted +=
            1;
        }
      }
    }
    // Every key is stored now, changed, unchanged or inserted.
    if (!hasKeyIndex(spec.name, dialect) || this.#engine.grouping !== undefined) {
      this.#written[spec.name].wrote(records);
    }
  }

  end(): Promise<void> {
    this.#ended ??= (async () => {
      try {
        await this.commit();
      } finally {
        await this.#end();
      }
    })();
    return this.#ended;
  }

  async #query(sql: string, params: readonly SqlParam[]): Promise<SqlRow[]> {
    const { connection, turns } = this.#reads;
    try {
      return await turns.run(() => connection.query(sql, params));
    } catch (error) {
      throw ChatHistoryError.is(error) ? error : storeFailed(this.#what('read'), error);
    }
  }

  #what(action: 'read' | 'write'): string {
    return `${this.#engine.location}: a ${action} failed`;
  }
}

/** Longest JSON parameter sent in one statement, in characters. */
export const MAX_PAYLOAD_CHARS = 32 * 1024 * 1024;

/**
 * The records as JSON parameters of at most `maxChars` characters each (a single record's may be
 * longer: a page is bounded, so a record is), in order. A batch of large records would otherwise
 * make one text of hundreds of megabytes, or more than a JavaScript string can hold.
 */
export function* jsonPayloads<T extends object>(
  records: readonly T[],
  fields: readonly JsonField[],
  dialect: SqlDialect,
  maxChars = MAX_PAYLOAD_CHARS,
): Generator<string> {
  let start = 0;
  let size = records.length;
  while (start < records.length) {
    const slice = records.slice(start, start + size);
    let json: string | undefined;
    try {
      json = jsonRowsOf(slice, fields, dialect);
    } catch (error) {
      // Longer than a string can be: fewer records at a time.
      if (!(error instanceof RangeError) || slice.length === 1) throw error;
    }
    if (json === undefined || (json.length > maxChars && slice.length > 1)) {
      size = Math.ceil(slice.length / 2);
      continue;
    }
    yield json;
    start += slice.length;
  }
}

function readCheckpoint(row: SqlRow): ConversationCheckpoint {
  const cursor = typeof row.cursor === 'string' ? (JSON.parse(row.cursor) as JsonObject) : null;
  const overlap: unknown = typeof row.overlap === 'string' ? JSON.parse(row.overlap) : [];
  return {
    signature: typeof row.signature === 'string' ? row.signature : null,
    cursor,
    overlap: Array.isArray(overlap) ? overlap.map(String) : [],
    fullSince: typeof row.full_since === 'string' ? row.full_since : null,
  };
}

/** The counts of every source of a batch result together. */
export function totalOf(result: StoreBatchResult): ChangeCounts {
  const total = noChanges();
  for (const counts of result.values()) addChanges(total, counts);
  return total;
}

function canonicalNow(): string {
  return `${new Date().toISOString().slice(0, 23)}000Z`;
}

/** Microseconds since the epoch of a canonical timestamp (exact: below 2^53). */
function microsecondsOf(canonical: string): number {
  return Date.parse(`${canonical.slice(0, 23)}Z`) * 1000 + Number(canonical.slice(23, 26));
}

function canonicalOf(microseconds: number): string {
  const milliseconds = Math.floor(microseconds / 1000);
  const rest = String(microseconds - milliseconds * 1000).padStart(3, '0');
  return `${new Date(milliseconds).toISOString().slice(0, 23)}${rest}Z`;
}
