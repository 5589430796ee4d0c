import { realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
} from '@duckdb/node-api';
import { ChatHistoryError } from '../../errors/chat-history-error.js';
import { invalidArgument } from '../../errors/invalid-argument.js';
import { openSqlStore, type SqlConnection, type SqlEngine, type SqlParam } from '../sql-store.js';
import { jsonColumnText, storableJson, storableText } from '../storable-text.js';
import type { Store } from '../store.js';
import { driverMissing, storeFailed, storeLocked } from '../store-errors.js';
import type { SqlDialect, TableSpec } from '../store-schema.js';

export const DUCKDB_DIALECT: SqlDialect = {
  json: 'JSON',
  // Without a key index, the sync's memory does not grow with the messages stored.
  indexesMessages: false,
  longText: ' USING COMPRESSION zstd',
  noNul: false,
  // Lists are bound as JSON text (see the connection): far cheaper than a DuckDB list value.
  inList: (column, param) =>
    `${column} IN (SELECT unnest(from_json(${param}::VARCHAR, '["VARCHAR"]')))`,
  // `from_json` takes the parameter apart in one pass, a list per column, off the JavaScript
  // thread: faster than a list of structs.
  jsonLayout: 'columns',
  // The same text as the appender stores, so that an unchanged row compares equal.
  nestedAsText: true,
  jsonRows(param, fields) {
    const structure = JSON.stringify(
      Object.fromEntries(fields.map((field) => [field.name, ['VARCHAR']])),
    );
    return `SELECT ${fields.map((field, index) => `unnest(incoming_columns."${field.name}") AS c${index}`).join(', ')}
      FROM (SELECT from_json(${param}::VARCHAR, '${structure}') AS incoming_columns)`;
  },
};

/**
 * The engine as a sync uses it: one batch written at a time, so one thread (more threads mostly
 * add coordination), except in a checkpoint (see {@link CHECKPOINT_THREADS}). The store
 * checkpoints itself (see {@link ROWS_PER_CHECKPOINT}); DuckDB's own checkpoint, at 256 MB of
 * log, bounds the log when messages are large.
 */
const SETTINGS = {
  threads: '1',
  checkpoint_threshold: '256MB',
  // The store needs no extension beyond those built in, and downloads nothing.
  autoinstall_known_extensions: 'false',
  // When DuckDB frees more than this at once (evicting what a batch or a checkpoint held), it
  // hands the memory its allocators keep back to the system, rather than only past 512 MB: a
  // 1M-message sync peaks about 50 MiB lower, for about 2% of its time.
  allocator_bulk_deallocation_flush_threshold: '4MiB',
};

/**
 * Rows in a row group of the file's tables, a quarter of DuckDB's usual 122,880: a checkpoint
 * compresses each row group on a thread of its own, so that the last one, at `close()`, while
 * nothing else runs, takes about a third less time on two cores (the file is about 5% larger).
 * DuckDB keeps the size for as long as the file is open, so the store gives it at every open.
 */
export const ROW_GROUP_ROWS = 30_720;

/** Threads a checkpoint compresses row groups on: more take more memory at once. */
const CHECKPOINT_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Messages written between two checkpoints: four row groups. A checkpoint compresses into the
 * file what the log holds, and rewrites the table's last row group if it is not full: when one
 * has just filled, little is written twice, while the log and what it holds in memory stay
 * bounded (a checkpoint every 64 MB of log wrote most rows twice).
 */
export const ROWS_PER_CHECKPOINT = 4 * ROW_GROUP_ROWS;

// What the file is known as in the engine, whose own database is an empty one in memory.
const CATALOG = 'chat_history';

/**
 * The storage version a new file is written in: the oldest that compresses long texts with zstd
 * (see `longText`), which DuckDB 1.2 and later read. A file that exists keeps its own.
 */
const STORAGE_VERSION = 'v1.2.0';

/**
 * Memory a checkpoint may use beyond the indexes (which DuckDB keeps in memory whole), in MiB.
 * At DuckDB's usual limit, what a checkpoint compresses and writes stays cached, and the process
 * grows by hundreds of megabytes over a long sync; within this, it stays at the same size.
 */
export const CHECKPOINT_MEMORY_MIB = 64;

/**
 * Files this process has open, each by its path and by its device and inode (a symbolic or hard
 * link names it otherwise): DuckDB's own lock keeps other processes out, not this one.
 */
const OPEN_FILES = new Set<string>();

// The opens of this process, one after the other until each holds its file under every key: two
// names of one new file would otherwise both reach DuckDB before either could claim its inode.
// An open of another file waits meanwhile, for as long as DuckDB takes to attach the file (longer
// when it replays a log an interrupted sync left).
let opening: Promise<unknown> = Promise.resolve();

function oneOpenAtATime<T>(work: () => Promise<T>): Promise<T> {
  const turn = opening.then(work);
  opening = turn.catch(() => undefined);
  return turn;
}

/**
 * Opens (creating it when missing) a DuckDB file: `@duckdb/node-api`, an optional dependency
 * installed with the package, embeds the engine.
 */
export async function openDuckDbStore(path: string): Promise<Store> {
  const file = await checkedPath(path);
  const keys: string[] = [];
  const claim = (key: string | undefined) => {
    if (key === undefined) return;
    if (OPEN_FILES.has(key)) throw storeLocked(path, 'another store open in this process');
    OPEN_FILES.add(key);
    keys.push(key);
  };
  const releaseKeys = () => {
    for (const key of keys.splice(0)) OPEN_FILES.delete(key);
  };
  try {
    const { instance, connection, reads } = await oneOpenAtATime(async () => {
      claim(file);
      // A file that exists is claimed before the engine starts; a new one once the engine made it.
      const before = await identityOf(file);
      claim(before);
      const duckdb = await loadDriver();
      const opened = await attached(duckdb, file, path);
      if (before === undefined) {
        try {
          claim(await identityOf(file));
        } catch (error) {
          opened.reads.closeSync();
          opened.connection.closeSync();
          opened.instance.closeSync();
          throw error;
        }
      }
      return opened;
    });
    // Messages in the table's last row group, counted from the table at the first commit.
    let sinceCheckpoint: number | undefined;
    // The longest text written since the last checkpoint (see `checkpoint`).
    const written = { longest: 0 };
    const engine: SqlEngine = {
      kind: 'duckdb',
      location: path,
      dialect: DUCKDB_DIALECT,
      connection: duckDbConnection(connection, path, written, () => {
        reads.closeSync();
        instance.closeSync();
      }),
      reads: duckDbConnection(reads, path, written),
      grouping: { batchMessages: ROW_GROUP_ROWS / 6, commitEvery: ROW_GROUP_ROWS },
      async committed(messages) {
        if (sinceCheckpoint === undefined) {
          // Rows are never deleted (a deleted message is marked), so the count is the rows the
          // table's row groups hold.
          const [row] = await engine.connection.query('SELECT count(*) AS n FROM messages');
          sinceCheckpoint = (Number(row?.n) - messages) % ROWS_PER_CHECKPOINT;
        }
        sinceCheckpoint += messages;
        if (sinceCheckpoint < ROWS_PER_CHECKPOINT) return;
        try {
          await checkpoint(connection, written.longest);
        } catch (error) {
          // The data is committed and logged (the next open replays the log), but DuckDB takes
          // no more statements after a failed checkpoint.
          throw storeFailed(`${path}: a checkpoint failed`, error);
        }
        written.longest = 0;
        // What went past the row group is in the next one.
        sinceCheckpoint %= ROWS_PER_CHECKPOINT;
      },
      // The file's lock is held from open to close.
      lock: async () => true,
      unlock: async () => undefined,
      release: releaseKeys,
    };
    try {
      return await openSqlStore(engine);
    } catch (error) {
      await engine.connection.close().catch(() => undefined);
      throw ChatHistoryError.is(error) ? error : storeFailed(`${path}: the schema`, error);
    }
  } catch (error) {
    releaseKeys();
    throw error;
  }
}

/**
 * The device and inode of `file`, which every name of it shares; nothing if it is not there, or
 * where the file system gives no inode (0: some Windows file systems), the path alone then.
 */
async function identityOf(file: string): Promise<string | undefined> {
  const found = await stat(file, { bigint: true }).catch(() => undefined);
  if (found === undefined || found.ino === 0n) return undefined;
  return `inode:${found.dev}:${found.ino}`;
}

/**
 * Longest name of a store's file, in bytes of UTF-8: DuckDB writes `NAME.wal` and `NAME.tmp`
 * beside it, and file systems take names of 255 bytes at most.
 */
const LONGEST_NAME = 255 - '.wal'.length;

/** The absolute path of the file, whose folder must exist (it is not created). */
async function checkedPath(path: string): Promise<string> {
  if (path.trim() === '') throw invalidArgument('the store path is empty');
  if (path === ':memory:') {
    throw invalidArgument('a store in memory would keep nothing: give the path of a file');
  }
  if (/[\\/]$/.test(path)) {
    throw invalidArgument(`${path} ends with a slash, as a folder does: give the path of a file`);
  }
  const name = basename(path);
  if (new TextEncoder().encode(name).length > LONGEST_NAME) {
    throw invalidArgument(
      `the file name of ${path} is too long: DuckDB writes ${name.slice(0, 20)}….wal beside it, so it may have ${LONGEST_NAME} bytes at most`,
    );
  }
  const absolute = resolve(path);
  const folder = dirname(absolute);
  const found = await stat(folder).catch(() => undefined);
  if (found === undefined) {
    throw invalidArgument(`the folder of ${path} does not exist (${folder}): create it first`);
  }
  if (!found.isDirectory()) {
    throw invalidArgument(`${folder} is not a folder, so no file can be created in it (${path})`);
  }
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) throw invalidArgument(`${path} is a folder, not a DuckDB file`);
  return join(await realpath(folder), basename(absolute));
}

export type DuckDbDriver = typeof import('@duckdb/node-api');

const DRIVER = '@duckdb/node-api';

/**
 * The driver. It is CommonJS: `require` loads it as it is, where `import` first scans each of its
 * files for what it exports (about 70 ms more). `import` still loads it where this module has no
 * way to `require` (a bundle that emptied `import.meta`). Only a driver that is not there is
 * `driver_missing`; one that is there and fails to load (a native binary built for another
 * platform) is `store_failed`, with its error.
 */
async function loadDriver(): Promise<DuckDbDriver> {
  const load = moduleRequire();
  if (load !== undefined) {
    try {
      return load(DRIVER) as DuckDbDriver;
    } catch (error) {
      if (!isMissing(error)) throw storeFailed(`${DRIVER} could not be loaded`, error);
    }
  }
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    if (isMissing(error)) throw driverMissing(DRIVER, 'A DuckDB store');
    throw storeFailed(`${DRIVER} could not be loaded`, error);
  }
}

/**
 * A `require` from this module's file, if it knows it: a bundle may leave `import.meta` empty,
 * and the CommonJS build reads the page's address where a `document` exists (an Electron
 * renderer, jsdom).
 */
function moduleRequire(): NodeJS.Require | undefined {
  try {
    const url: unknown = import.meta.url;
    return typeof url === 'string' && url.startsWith('file:') ? createRequire(url) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether loading the driver failed because a package of it is not installed. */
function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    error.message.includes('@duckdb/')
  );
}

/** An engine holding the file, with the connection that writes and the one that reads. */
export interface Attached {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  reads: DuckDBConnection;
}

/**
 * An engine with the file attached (see {@link ROW_GROUP_ROWS}; a new one in
 * {@link STORAGE_VERSION}), holding its lock, and its two
 * connections; a file that another process holds is `store_locked`, any other failure
 * `store_failed`, the engine closed.
 */
export async function attached(
  duckdb: DuckDbDriver,
  file: string,
  path: string,
): Promise<Attached> {
  let instance: DuckDBInstance;
  try {
    // What does not fit in memory goes beside the file, as it would with the file as the
    // engine's own database, not into the working folder shared with every other store.
    instance = await duckdb.DuckDBInstance.create(':memory:', {
      ...SETTINGS,
      temp_directory: `${file}.tmp`,
    });
  } catch (error) {
    throw storeFailed(`${path}: DuckDB could not start`, error);
  }
  const existing = await stat(file).catch(() => undefined);
  try {
    const created = existing === undefined;
    const setup = await instance.connect();
    try {
      // `TYPE DUCKDB`: a file of another database is refused, not handed to an extension
      // DuckDB would download.
      await setup.run(
        `ATTACH '${file.replaceAll("'", "''")}' AS ${CATALOG} (TYPE DUCKDB, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}${created ? `, STORAGE_VERSION '${STORAGE_VERSION}'` : ''})`,
      );
    } finally {
      setup.closeSync();
    }
  } catch (error) {
    instance.closeSync();
    const message = error instanceof Error ? error.message : String(error);
    if (/could not set lock/i.test(message)) {
      // DuckDB's lock: a sync, or any other program that has the file open.
      throw storeLocked(path, 'another process (a sync, or any program with the file open)');
    }
    const empty =
      existing?.size === 0 &&
      /not a valid DuckDB database/i.test(message) &&
      (await stat(file).catch(() => undefined))?.size === 0;
    if (empty) {
      // DuckDB makes the file itself, and refuses an empty one (`touch`, `mktemp`).
      throw storeFailed(
        `${path} is an empty file, not a DuckDB database: remove it, and the store creates a new one there`,
        error,
      );
    }
    throw storeFailed(`${path} cannot be opened as a DuckDB database`, error);
  }
  try {
    return { instance, connection: await connectTo(instance), reads: await connectTo(instance) };
  } catch (error) {
    instance.closeSync();
    throw storeFailed(`${path}: DuckDB could not connect`, error);
  }
}

/** A connection whose statements name the file's tables. */
async function connectTo(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(`USE ${CATALOG}`);
  return connection;
}

/** A connection; closing the one that owns the instance (`closeInstance`) closes the file. */
function duckDbConnection(
  connection: DuckDBConnection,
  path: string,
  written: { longest: number },
  closeInstance?: () => void,
): SqlConnection {
  const prepared = new Map<string, DuckDBPreparedStatement>();
  const layouts = new Map<string, readonly ColumnWriter[]>();
  const query = async (sql: string, params: readonly SqlParam[] = []) => {
    try {
      let statement = prepared.get(sql);
      if (statement === undefined) {
        statement = await connection.prepare(sql);
        prepared.set(sql, statement);
      }
      statement.clearBindings();
      params.forEach((param, index) => {
        const at = index + 1;
        if (param === null) statement.bindNull(at);
        else if (typeof param === 'string') {
          // No value taken out of a parameter is longer than the parameter.
          written.longest = Math.max(written.longest, param.length);
          statement.bindVarchar(at, param);
        } else statement.bindVarchar(at, storableJson(param, DUCKDB_DIALECT) ?? '[]');
      });
      const result = await statement.runAndReadAll();
      return await result.getRowObjectsJS();
    } catch (error) {
      throw storeFailed(`${path}: a statement failed`, error);
    }
  };
  return {
    query,
    async append(spec, records, syncedAt) {
      try {
        let layout = layouts.get(spec.name);
        if (layout === undefined) {
          layout = await tableLayout(connection, spec);
          layouts.set(spec.name, layout);
        }
        const appender = await connection.createAppender(spec.name);
        try {
          for (const record of records) {
            for (const write of layout) write(appender, record, syncedAt, written);
            appender.endRow();
          }
          appender.flushSync();
        } finally {
          appender.clear();
          appender.closeSync();
        }
      } catch (error) {
        throw storeFailed(`${path}: rows could not be appended`, error);
      }
    },
    async close() {
      prepared.clear();
      if (closeInstance !== undefined) {
        // The last checkpoint runs off the JavaScript thread: closing the instance would run it
        // on this one, holding up everything else the process does for as long as it takes. It
        // holds less than four row groups: DuckDB's usual limit does.
        await withThreads(connection, () => connection.run('CHECKPOINT')).catch(() => undefined);
      }
      connection.closeSync();
      closeInstance?.();
    },
  };
}

/**
 * Moves the log into the file within {@link CHECKPOINT_MEMORY_MIB} of memory beyond the indexes
 * (DuckDB evicts what it cached to keep to it), more when a long text was written since the last
 * checkpoint (`longest` characters): a checkpoint that runs out of memory leaves the instance
 * unusable. At DuckDB's usual limit when the limit cannot be lowered, then back to it.
 */
export async function checkpoint(connection: DuckDBConnection, longest: number): Promise<void> {
  const reader = await connection.runAndReadAll(
    "SELECT sum(memory_usage_bytes) FILTER (WHERE tag = 'ART_INDEX') AS indexes FROM duckdb_memory()",
  );
  const indexes = Number(reader.getRowObjectsJS()[0]?.indexes ?? 0);
  // Up to 3 bytes of UTF-8 a character, and room for a copy, on every thread at once.
  const limit =
    Math.ceil((indexes + 6 * longest * CHECKPOINT_THREADS) / 1024 / 1024) + CHECKPOINT_MEMORY_MIB;
  const lowered = await connection.run(`SET memory_limit = '${limit}MiB'`).then(
    () => true,
    () => false,
  );
  // `SETTINGS` leaves the limit at DuckDB's default, which `RESET` gives back.
  const back = async () => {
    if (lowered) await connection.run('RESET memory_limit');
  };
  try {
    await withThreads(connection, () => connection.run('CHECKPOINT'));
  } catch (error) {
    await back().catch(() => undefined);
    throw error;
  }
  await back();
}

/**
 * Runs `work` (a checkpoint) on {@link CHECKPOINT_THREADS} threads, then on one again; `work`'s
 * own error is the one thrown.
 */
async function withThreads<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  const back = () => connection.run(`SET threads = ${SETTINGS.threads}`);
  await connection.run(`SET threads = ${CHECKPOINT_THREADS}`);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await back().catch(() => undefined);
    throw error;
  }
  await back();
  return result;
}

/** Appends one column of a record's row, keeping the longest text written. */
type ColumnWriter = (
  appender: DuckDBAppender,
  record: object,
  syncedAt: string,
  written: { longest: number },
) => void;

/**
 * How each column of `spec`'s table, in the order the file has them, is appended: the value of
 * its canonical field, as the `INSERT` statements write it (a timestamp is cast from its canonical
 * text by DuckDB), then `synced_at`, and `NULL` for `deleted_at`.
 */
async function tableLayout<T extends object>(
  connection: DuckDBConnection,
  spec: TableSpec<T>,
): Promise<ColumnWriter[]> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = '${spec.name}'
     ORDER BY ordinal_position`,
  );
  const names = reader.getRowObjectsJS().map((row) => String(row.column_name));
  return names.map((name): ColumnWriter => {
    if (name === 'synced_at') return (appender, _record, at) => appender.appendVarchar(at);
    if (name === 'deleted_at') return (appender) => appender.appendNull();
    const column = spec.columns.find((candidate) => candidate.name === name);
    if (column === undefined) return (appender) => appender.appendDefault();
    const field = column.field;
    const fieldOf = (record: object): unknown => (record as Record<string, unknown>)[field];
    switch (column.type) {
      case 'json':
        return (appender, record, _syncedAt, written) => {
          // The same text as the statements store (see `nestedAsText`).
          const json = jsonColumnText(fieldOf(record), DUCKDB_DIALECT);
          if (json === null) appender.appendNull();
          else {
            if (json.length > written.longest) written.longest = json.length;
            appender.appendVarchar(json);
          }
        };
      case 'boolean':
        return (appender, record) => {
          const value = fieldOf(record);
          if (value === null || value === undefined) appender.appendNull();
          else appender.appendBoolean(value === true);
        };
      default:
        return (appender, record, _syncedAt, written) => {
          const value = fieldOf(record);
          if (value === null || value === undefined) appender.appendNull();
          else {
            const text = storableText(String(value), DUCKDB_DIALECT);
            if (text.length > written.longest) written.longest = text.length;
            appender.appendVarchar(text);
          }
        };
    }
  });
}
