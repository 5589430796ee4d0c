import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { ChatHistoryError } from '../../errors/chat-history-error.js';
import { invalidArgument } from '../../errors/invalid-argument.js';
import { openSqlStore, type SqlConnection, type SqlEngine, type SqlParam } from '../sql-store.js';
import { storableJson } from '../storable-text.js';
import type { Store } from '../store.js';
import { driverMissing, storeFailed, storeLocked } from '../store-errors.js';
import type { SqlDialect } from '../store-schema.js';

const DUCKDB_DIALECT: SqlDialect = {
  json: 'JSON',
  noNul: false,
  // Lists are bound as JSON text (see the connection): far cheaper than a DuckDB list value.
  inList: (column, param) =>
    `${column} IN (SELECT unnest(from_json(${param}::VARCHAR, '["VARCHAR"]')))`,
  // `from_json` takes the parameter apart in one pass, a list per column, off the JavaScript
  // thread: faster than a list of structs.
  jsonLayout: 'columns',
  jsonRows(param, fields) {
    const structure = JSON.stringify(
      Object.fromEntries(fields.map((field) => [field.name, [field.json ? 'JSON' : 'VARCHAR']])),
    );
    return `SELECT ${fields.map((field, index) => `unnest(incoming_columns."${field.name}") AS c${index}`).join(', ')}
      FROM (SELECT from_json(${param}::VARCHAR, '${structure}') AS incoming_columns)`;
  },
};

/**
 * The engine as a sync uses it: one batch written at a time, so one thread (more threads mostly
 * add coordination), and a checkpoint every 64 MB of log rather than 16 (each one rewrites the
 * table's last row groups and its indexes: fewer, larger ones cost far less in all).
 */
const SETTINGS = { threads: '1', checkpoint_threshold: '64MB' };

// Files this process has open: DuckDB's own lock keeps other processes out, not this one.
const OPEN_FILES = new Set<string>();

/**
 * Opens (creating it when missing) a DuckDB file: `@duckdb/node-api`, an optional dependency
 * installed with the package, embeds the engine.
 */
export async function openDuckDbStore(path: string): Promise<Store> {
  const file = await checkedPath(path);
  if (OPEN_FILES.has(file)) throw storeLocked(path);
  OPEN_FILES.add(file);
  try {
    const duckdb = await loadDriver();
    let instance: DuckDBInstance;
    try {
      instance = await duckdb.DuckDBInstance.create(file, SETTINGS);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/could not set lock/i.test(message)) throw storeLocked(path);
      throw storeFailed(`${path} cannot be opened as a DuckDB database`, error);
    }
    const connection = await instance.connect();
    const reads = await instance.connect();
    const engine: SqlEngine = {
      kind: 'duckdb',
      location: path,
      dialect: DUCKDB_DIALECT,
      connection: duckDbConnection(connection, path, () => {
        reads.closeSync();
        instance.closeSync();
      }),
      reads: duckDbConnection(reads, path),
      // The file's lock is held from open to close.
      lock: async () => true,
      unlock: async () => undefined,
      release: () => {
        OPEN_FILES.delete(file);
      },
    };
    try {
      return await openSqlStore(engine);
    } catch (error) {
      await engine.connection.close().catch(() => undefined);
      throw ChatHistoryError.is(error) ? error : storeFailed(`${path}: the schema`, error);
    }
  } catch (error) {
    OPEN_FILES.delete(file);
    throw error;
  }
}

/** The absolute path of the file, whose folder must exist (it is not created). */
async function checkedPath(path: string): Promise<string> {
  if (path.trim() === '') throw invalidArgument('the store path is empty');
  const absolute = resolve(path);
  const folder = dirname(absolute);
  const found = await stat(folder).catch(() => undefined);
  if (found === undefined) {
    throw invalidArgument(`the folder of ${path} does not exist (${folder}): create it first`);
  }
  if (!found.isDirectory())
    throw invalidArgument(`${folder} is not a folder, so ${path} cannot be`);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) throw invalidArgument(`${path} is a folder, not a DuckDB file`);
  return join(await realpath(folder), basename(absolute));
}

type DuckDbDriver = typeof import('@duckdb/node-api');

async function loadDriver(): Promise<DuckDbDriver> {
  try {
    return await import('@duckdb/node-api');
  } catch {
    throw driverMissing('@duckdb/node-api', 'A DuckDB store');
  }
}

/** A connection; closing the one that owns the instance (`closeInstance`) closes the file. */
function duckDbConnection(
  connection: DuckDBConnection,
  path: string,
  closeInstance?: () => void,
): SqlConnection {
  const prepared = new Map<string, DuckDBPreparedStatement>();
  return {
    async query(sql, params: readonly SqlParam[] = []) {
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
          else if (typeof param === 'string') statement.bindVarchar(at, param);
          else statement.bindVarchar(at, storableJson(param, DUCKDB_DIALECT) ?? '[]');
        });
        const result = await statement.runAndReadAll();
        return await result.getRowObjectsJS();
      } catch (error) {
        throw storeFailed(`${path}: a statement failed`, error);
      }
    },
    async close() {
      prepared.clear();
      connection.closeSync();
      closeInstance?.();
    },
  };
}
