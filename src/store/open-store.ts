import { fileURLToPath } from 'node:url';
import { invalidArgument, kindOf } from '../errors/invalid-argument.js';
import { openDuckDbStore } from './duckdb/duckdb-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';

// A scheme of two characters at least: `C:\\data` is a Windows path, not a URL.
const URL_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

const STORE_KINDS_TEXT = 'a file path, duckdb:PATH, a file:// URL or a postgres:// URL';

/**
 * `text` with whatever stands between a `:` and an `@` hidden: the password of anything that
 * looks like a URL with credentials, shown in an error about it.
 */
function withoutCredentials(text: string): string {
  // Up to the last `@`: a password may hold one.
  const url = text.replace(/(\/\/[^:@/\s]*):\S*@/, '$1:[redacted]@');
  return url !== text ? url : text.replace(/:\S*@/, ':[redacted]@');
}

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
  const shown = withoutCredentials(url);
  if (url.trim() !== url) {
    // A badly quoted variable, most likely: never a file named with spaces around it.
    throw invalidArgument(`the store ${JSON.stringify(shown)} has spaces before or after it`);
  }
  const scheme = URL_SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!url.slice(scheme.length).startsWith('://')) {
      throw invalidArgument(`${shown} is not a PostgreSQL URL: write ${scheme}://user@host/db`);
    }
    return openPostgresStore(url);
  }
  if (scheme === 'duckdb') return openDuckDbStore(url.slice('duckdb:'.length));
  if (scheme === 'file') return openDuckDbStore(filePath(url, shown));
  if (scheme !== undefined) {
    throw invalidArgument(
      `${shown} is not a store: a store is ${STORE_KINDS_TEXT} (a file whose name has a colon: ./NAME or duckdb:NAME)`,
    );
  }
  return openDuckDbStore(url);
}

/** The path of a `file://` URL naming a local file, with nothing after it. */
function filePath(url: string, shown: string): string {
  const refuse = (why: string) => invalidArgument(`${shown} is not a DuckDB file's URL: ${why}`);
  if (!url.toLowerCase().startsWith('file://')) throw refuse('write file:///PATH');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('it is not a valid URL');
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw refuse('a query or fragment (?mode=ro, #...) means nothing to a store');
  }
  try {
    return fileURLToPath(parsed);
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
}
