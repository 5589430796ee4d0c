import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { ChatHistoryError } from '../../errors/chat-history-error.js';
import { invalidArgument } from '../../errors/invalid-argument.js';
import { openSqlStore, type SqlConnection, type SqlEngine, type SqlParam } from '../sql-store.js';
import { storableText } from '../storable-text.js';
import type { Store } from '../store.js';
import { driverMissing, storeFailed } from '../store-errors.js';
import type { SqlDialect } from '../store-schema.js';
import { copyStatement, copyText } from './copy-rows.js';

export const POSTGRES_DIALECT: SqlDialect = {
  json: 'JSONB',
  indexesMessages: true,
  // PostgreSQL compresses long values itself (TOAST).
  longText: '',
  noNul: true,
  inList: (column, param) => `${column} = ANY(${param}::text[])`,
  // One JSON parameter the server takes apart: far cheaper to send than a list per column.
  jsonLayout: 'rows',
  nestedAsText: false,
  jsonRows(param, fields) {
    return `SELECT ${fields.map((field, index) => `"${field.name}" AS c${index}`).join(', ')}
      FROM json_to_recordset(${param}::json)
        AS incoming_row(${fields.map((field) => `"${field.name}" ${field.json ? 'json' : 'text'}`).join(', ')})`;
  },
};

// Advisory lock keys ("chk" sync and schema): one sync of a database at a time, one migration.
const SYNC_LOCK = 0x63686b01;
const SCHEMA_LOCK = 0x63686b02;

/** Opens a PostgreSQL database through `pg`; the tables go in the default schema (`public`). */
export async function openPostgresStore(url: string): Promise<Store> {
  const { location, redact } = describe(url);
  const { pg, copyFrom } = await loadDriver();
  const connect = async () => {
    let client: Client;
    try {
      // `pg` reads the files the URL names (`sslrootcert`, `sslcert`, `sslkey`) here.
      client = new pg.Client({ connectionString: url, application_name: 'chat-history-kit' });
    } catch (error) {
      throw storeFailed(`${location}: its connection settings cannot be used`, error, { redact });
    }
    // A server that goes away later fails the next query; it must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw storeFailed(`cannot connect to ${location}`, error, { retryable: true, redact });
    }
    return client;
  };
  const connection = postgresConnection(await connect(), location, redact, copyFrom);
  // Opened at the first read of a sync.
  let reader: Promise<SqlConnection> | undefined;
  const reads: SqlConnection = {
    async query(sql, params) {
      reader ??= connect().then(
        (client) => postgresConnection(client, location, redact, copyFrom),
        (error: unknown) => {
          // The next read tries again.
          reader = undefined;
          throw error;
        },
      );
      return (await reader).query(sql, params);
    },
    async close() {
      await (await reader?.catch(() => undefined))?.close();
    },
  };
  const engine: SqlEngine = {
    kind: 'postgres',
    location,
    dialect: POSTGRES_DIALECT,
    connection,
    reads,
    async lock() {
      const rows = await connection.query(`SELECT pg_try_advisory_lock(${SYNC_LOCK}) AS locked`);
      return rows[0]?.locked === true;
    },
    async unlock() {
      await connection.query(`SELECT pg_advisory_unlock(${SYNC_LOCK})`);
    },
    async lockSchema() {
      await connection.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
    },
  };
  try {
    return await openSqlStore(engine);
  } catch (error) {
    await connection.close();
    await reads.close();
    throw ChatHistoryError.is(error) ? error : storeFailed(`${location}: the schema`, error);
  }
}

function postgresConnection(
  client: Client,
  location: string,
  redact: (text: string) => string,
  copyFrom: CopyFrom,
): SqlConnection {
  return {
    async query(sql, params: readonly SqlParam[] = []) {
      try {
        const values = params.map((param) =>
          param === null || typeof param === 'string'
            ? storableParam(param)
            : param.map(storableParam),
        );
        const result = await client.query({ text: sql, values });
        return result.rows as Record<string, unknown>[];
      } catch (error) {
        throw storeFailed(`${location}: a statement failed`, error, { redact });
      }
    },
    // New rows go in by `COPY` (see `copy-rows`); a key already there fails it, as it would an
    // `INSERT`, and with it the transaction.
    async append(spec, records, syncedAt) {
      try {
        const copy = client.query(copyFrom(copyStatement(spec)));
        await pipeline(Readable.from(copyText(spec, records, syncedAt, POSTGRES_DIALECT)), copy);
      } catch (error) {
        throw storeFailed(`${location}: rows could not be copied`, error, { redact });
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** A text parameter PostgreSQL accepts (no NUL, well-formed), as stored values are written. */
function storableParam(text: string | null): string | null {
  return text === null ? null : storableText(text, POSTGRES_DIALECT);
}

/** The URL without its password, and a redactor of the password. */
function describe(url: string): { location: string; redact: (text: string) => string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument('the PostgreSQL store URL is not a valid URL');
  }
  const secrets = [parsed.password, safeDecode(parsed.password)].filter((text) => text !== '');
  parsed.password = '';
  parsed.search = '';
  const location = parsed.toString();
  const redact = (text: string) =>
    secrets.reduce((result, secret) => result.replaceAll(secret, '[redacted]'), text);
  return { location, redact };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

type PgDriver = typeof import('pg');
type CopyStreams = typeof import('pg-copy-streams');
type CopyFrom = CopyStreams['from'];

/** `pg`, and `COPY` for it (`pg-copy-streams`, installed with this package). */
async function loadDriver(): Promise<{ pg: PgDriver; copyFrom: CopyFrom }> {
  let pg: PgDriver;
  try {
    const loaded = (await import('pg')) as PgDriver & { default?: PgDriver };
    pg = loaded.default ?? loaded;
  } catch {
    throw driverMissing('pg', 'A PostgreSQL store');
  }
  try {
    const loaded = (await import('pg-copy-streams')) as CopyStreams & { default?: CopyStreams };
    return { pg, copyFrom: (loaded.default ?? loaded).from };
  } catch {
    throw driverMissing('pg-copy-streams', 'A PostgreSQL store');
  }
}
