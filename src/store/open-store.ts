import { fileURLToPath } from 'node:url';
import { invalidArgument, kindOf } from '../errors/invalid-argument.js';
import { openDuckDbStore } from './duckdb/duckdb-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';

const URL_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * Opens a store for `syncHistory`, creating it and its tables when missing and migrating an
 * older one:
 *
 * - a path (`history.duckdb`), `duckdb:` + a path, or a `file://` URL: an embedded DuckDB file,
 *   created in a folder that must exist;
 * - `postgres://user:password@host:5432/db` (or `postgresql://`): a PostgreSQL database, tables
 *   in its default schema.
 *
 * Rejects with `bad_request` for a URL of another kind or a missing folder, `store_locked` when
 * another process (or another open store) has the DuckDB file, `driver_missing` when the
 * database's driver is not installed, `store_failed` when the database cannot be opened or was
 * made by a newer version of this library. Close it when done: `await store.close()`.
 *
 * @example
 * const store = await openStore('history.duckdb');
 * try {
 *   await syncHistory({ sources: [okchat], store });
 * } finally {
 *   await store.close();
 * }
 */
export async function openStore(url: string): Promise<Store> {
  if (typeof url !== 'string') {
    throw invalidArgument(`openStore needs a path or a URL, got ${kindOf(url)}`);
  }
  const scheme = URL_SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return openPostgresStore(url);
  }
  let path = url;
  if (scheme === 'file') path = fileURLToPath(url);
  else if (scheme !== undefined) {
    throw invalidArgument(
      `openStore opens a DuckDB file (a path) or postgres:// URL, not ${scheme}://`,
    );
  } else if (/^duckdb:/i.test(url)) path = url.slice('duckdb:'.length);
  return openDuckDbStore(path);
}
