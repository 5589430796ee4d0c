import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { inject } from 'vitest';
import type { ChatHistorySource } from '../../src/chat-history-source.js';
import { exportHistory } from '../../src/export-history.js';
import type { Conversation, Message } from '../../src/model/canonical-schemas.js';

export const STORE_KINDS = ['duckdb', 'postgres'] as const;
export type TestStoreKind = (typeof STORE_KINDS)[number];

let databases = 0;

/** A new, empty store: a DuckDB file in a new folder, or a new PostgreSQL database. */
export async function freshStoreUrl(kind: TestStoreKind): Promise<string> {
  if (kind === 'duckdb') {
    return join(mkdtempSync(join(tmpdir(), 'chat-history-store-')), 'history.duckdb');
  }
  const admin = new URL(inject('postgresUrl'));
  const name = `chk_${process.pid}_${Date.now()}_${databases++}`;
  await withPostgres(admin.toString(), (client) => client.query(`CREATE DATABASE ${name}`));
  admin.pathname = `/${name}`;
  return admin.toString();
}

export async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL on a store (closed by its owner first, for DuckDB); rows as plain values. */
export async function queryStore(url: string, sql: string): Promise<Record<string, unknown>[]> {
  if (url.startsWith('postgres')) {
    return withPostgres(url, async (client) => (await client.query(sql)).rows);
  }
  const instance = await DuckDBInstance.create(url);
  const connection = await instance.connect();
  try {
    return (await (await connection.runAndReadAll(sql)).getRowObjectsJS()) as Record<
      string,
      unknown
    >[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface StoredRow<T> {
  record: T;
  deleted: boolean;
  syncedAt: string;
}

/** Every row of a store, back in the canonical shape, keyed `source account id`. */
export async function readStore(url: string): Promise<{
  conversations: Map<string, StoredRow<Conversation>>;
  messages: Map<string, StoredRow<Message>>;
}> {
  const postgres = url.startsWith('postgres');
  const time = (column: string) =>
    postgres
      ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${column}`
      : `strftime(${column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ${column}`;
  const json = (column: string) => (postgres ? column : `${column}::VARCHAR AS ${column}`);
  const parse = (value: unknown) =>
    typeof value === 'string' && !postgres ? (JSON.parse(value) as unknown) : (value ?? null);
  const conversationRows = await queryStore(
    url,
    `SELECT source, account, id, bot_id, channel, state, active, human_handoff,
       ${json('participant')}, ${time('created_at')}, ${time('updated_at')},
       ${json('last_message')}, ${json('recording')}, ${json('metadata')}, ${json('raw')},
       ${time('synced_at')}, deleted_at IS NOT NULL AS deleted FROM conversations`,
  );
  const messageRows = await queryStore(
    url,
    `SELECT source, account, id, conversation_id, role, text, ${json('attachments')},
       ${time('created_at')}, model, provider, ${json('usage')}, ${json('tool_calls')},
       ${json('tool_results')}, ${json('metadata')}, ${json('raw')}, ${time('synced_at')},
       deleted_at IS NOT NULL AS deleted FROM messages`,
  );
  const conversations = new Map<string, StoredRow<Conversation>>();
  for (const row of conversationRows) {
    const record: Conversation = {
      id: String(row.id),
      source: String(row.source),
      account: String(row.account),
      botId: (row.bot_id as string | null) ?? null,
      channel: (row.channel as string | null) ?? null,
      state: (row.state as string | null) ?? null,
      active: (row.active as boolean | null) ?? null,
      humanHandoff: row.human_handoff === true,
      participant: parse(row.participant) as Conversation['participant'],
      createdAt: String(row.created_at),
      updatedAt: (row.updated_at as string | null) ?? null,
      lastMessage: parse(row.last_message) as Conversation['lastMessage'],
      recording: parse(row.recording) as Conversation['recording'],
      metadata: parse(row.metadata) as Conversation['metadata'],
      raw: parse(row.raw),
    };
    conversations.set(keyOf(record), {
      record,
      deleted: row.deleted === true,
      syncedAt: String(row.synced_at),
    });
  }
  const messages = new Map<string, StoredRow<Message>>();
  for (const row of messageRows) {
    const record: Message = {
      id: String(row.id),
      conversationId: String(row.conversation_id),
      source: String(row.source),
      account: String(row.account),
      role: row.role as Message['role'],
      text: String(row.text),
      attachments: parse(row.attachments) as Message['attachments'],
      createdAt: String(row.created_at),
      model: (row.model as string | null) ?? null,
      provider: (row.provider as string | null) ?? null,
      usage: parse(row.usage) as Message['usage'],
      toolCalls: parse(row.tool_calls) as Message['toolCalls'],
      toolResults: parse(row.tool_results) as Message['toolResults'],
      metadata: parse(row.metadata) as Message['metadata'],
      raw: parse(row.raw),
    };
    messages.set(keyOf(record), {
      record,
      deleted: row.deleted === true,
      syncedAt: String(row.synced_at),
    });
  }
  return { conversations, messages };
}

export function keyOf(record: { source: string; account: string; id: string }): string {
  return `${record.source} ${record.account} ${record.id}`;
}

/** What the vendors hold now, as an export of every source reads it. */
export async function vendorData(sources: readonly ChatHistorySource[]) {
  const conversations = new Map<string, Conversation>();
  const messages = new Map<string, Message>();
  for await (const { conversation, messages: list } of exportHistory(sources, {
    concurrency: 8,
  })) {
    conversations.set(keyOf(conversation), conversation);
    for (const message of list) messages.set(keyOf(message), message);
  }
  return { conversations, messages };
}

/**
 * Asserts the store holds exactly the vendors' data: every record, equal field for field, not
 * marked deleted; every other row marked deleted.
 */
export function storeMatches(
  stored: Awaited<ReturnType<typeof readStore>>,
  vendor: Awaited<ReturnType<typeof vendorData>>,
): { missing: string[]; different: string[]; undeleted: string[]; wronglyDeleted: string[] } {
  const missing: string[] = [];
  const different: string[] = [];
  const undeleted: string[] = [];
  const wronglyDeleted: string[] = [];
  for (const kind of ['conversations', 'messages'] as const) {
    const rows = stored[kind] as Map<string, StoredRow<unknown>>;
    const expected = vendor[kind] as Map<string, unknown>;
    for (const [key, record] of expected) {
      const row = rows.get(key);
      if (row === undefined) missing.push(`${kind} ${key}`);
      else {
        if (row.deleted) wronglyDeleted.push(`${kind} ${key}`);
        if (!sameJson(row.record, record)) different.push(`${kind} ${key}`);
      }
    }
    for (const [key, row] of rows) {
      if (!expected.has(key) && !row.deleted) undeleted.push(`${kind} ${key}`);
    }
  }
  return { missing, different, undeleted, wronglyDeleted };
}

/** Deep equality of JSON values, whatever the key order (PostgreSQL's jsonb reorders keys). */
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : 1)))
      : inner,
  );
}

export const IN_SYNC = { missing: [], different: [], undeleted: [], wronglyDeleted: [] };
