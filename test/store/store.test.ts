import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { build } from 'esbuild';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatHistoryError } from '../../src/errors/chat-history-error.js';
import {
  type Conversation,
  ConversationSchema,
  type Message,
  MessageSchema,
} from '../../src/model/canonical-schemas.js';
import {
  attached,
  checkpoint,
  DUCKDB_DIALECT,
  ROW_GROUP_ROWS,
  ROWS_PER_CHECKPOINT,
} from '../../src/store/duckdb/duckdb-store.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_DIALECT } from '../../src/store/postgres/postgres-store.js';
import { GROUP_OPEN_MS } from '../../src/store/sql-store.js';
import type { Store, StoreBatch, StoreBatchResult, StoreSync } from '../../src/store/store.js';
import { migrations } from '../../src/store/store-schema.js';
import { caught } from '../helpers/caught.js';
import { projectWithPackedPackage } from '../helpers/packed.js';
import {
  freshStoreUrl,
  queryStore,
  readStore,
  STORE_KINDS,
  withPostgres,
} from '../helpers/stores.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  opened.push(store);
  return store;
}

const ROOT = join(import.meta.dirname, '..', '..');

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id,
    source: 'okchat',
    account: 'bot-1',
    botId: 'bot-1',
    channel: 'web',
    state: 'in_progress',
    active: true,
    humanHandoff: false,
    participant: { externalId: 'u-1', userId: null, anonymous: null },
    createdAt: '2025-03-05T04:25:58.059835Z',
    updatedAt: '2025-03-05T04:26:00.000001Z',
    lastMessage: { id: null, text: 'hi', role: 'user' },
    recording: null,
    metadata: { tags: ['a'] },
    raw: { id, nested: { deep: [1, 2, 3] } },
    ...overrides,
  };
}

function message(id: string, overrides: Partial<Message> = {}): Message {
  return {
    id,
    conversationId: 'c-1',
    source: 'okchat',
    account: 'bot-1',
    role: 'assistant',
    text: '',
    attachments: [
      { url: 'https://example.com/a.png', name: 'a.png', mediaType: 'image/png', kind: 'image' },
    ],
    createdAt: '2025-03-05T04:25:58.059835Z',
    model: 'gpt-4o',
    provider: 'openai',
    usage: { totalTokens: 12 },
    toolCalls: [],
    toolResults: [],
    metadata: {},
    raw: { id },
    ...overrides,
  };
}

function batch(parts: Partial<StoreBatch>): StoreBatch {
  return {
    conversations: [],
    messages: [],
    newConversations: 0,
    newMessages: 0,
    checkpoints: [],
    messageDeletes: [],
    conversationDeletes: [],
    sources: [],
    ...parts,
  };
}

/**
 * The statements a store sends while `work` runs (for DuckDB, each appender flush as
 * `appended <table>`), through the drivers' own classes.
 */
async function statementsOf<T>(
  kind: (typeof STORE_KINDS)[number],
  work: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const spies =
    kind === 'duckdb'
      ? [
          vi.spyOn(DuckDBConnection.prototype, 'prepare').mockImplementation(async function (
            this: DuckDBConnection,
            sql: string,
          ) {
            statements.push(sql);
            return duckdbPrepare.call(this, sql);
          }),
          vi.spyOn(DuckDBConnection.prototype, 'createAppender').mockImplementation(async function (
            this: DuckDBConnection,
            table: string,
          ) {
            const appender = await duckdbCreateAppender.call(this, table);
            const flush = appender.flushSync.bind(appender);
            appender.flushSync = () => {
              flush();
              statements.push(`appended ${table}`);
            };
            return appender;
          }),
        ]
      : [
          vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
            this: pg.Client,
            ...args: unknown[]
          ) {
            const [query] = args;
            statements.push(
              typeof query === 'string' ? query : String((query as pg.QueryConfig).text),
            );
            return (pgQuery as (...rest: unknown[]) => unknown).apply(this, args) as never;
          }),
        ];
  try {
    return { result: await work(), statements };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
// The text of each statement prepared while `keyScansOf` watched (a connection reuses them).
const statementTexts = new WeakMap<DuckDBPreparedStatement, string>();

/**
 * How many times `work` has DuckDB scan a table for keys taken (see `takenKeysSql`): every write
 * of the store under watch goes through `keyScansOf`.
 */
async function keyScansOf(work: () => Promise<unknown>): Promise<number> {
  const texts = statementTexts;
  let scans = 0;
  const spies = [
    vi.spyOn(DuckDBConnection.prototype, 'prepare').mockImplementation(async function (
      this: DuckDBConnection,
      sql: string,
    ) {
      const statement = await duckdbPrepare.call(this, sql);
      texts.set(statement, sql);
      return statement;
    }),
    vi.spyOn(DuckDBPreparedStatement.prototype, 'runAndReadAll').mockImplementation(async function (
      this: DuckDBPreparedStatement,
    ) {
      if (texts.get(this)?.includes('count(DISTINCT (c0, c1, c2))')) scans += 1;
      return duckdbRunAndReadAll.call(this);
    }),
  ];
  try {
    await work();
    return scans;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const duckdbPrepare = DuckDBConnection.prototype.prepare;
const duckdbRunAndReadAll = DuckDBPreparedStatement.prototype.runAndReadAll;
const duckdbCreateAppender = DuckDBConnection.prototype.createAppender;
const pgQuery = pg.Client.prototype.query;

/**
 * Writes `conversations` and `messages` (of okchat/bot-1) as new in one sync, then again in
 * another, compared: they are inserted without comparing, nothing differs the second time, and
 * the store gives them back as they were. Resolves with the statements of the first write.
 */
async function writtenNewThenCompared(
  kind: (typeof STORE_KINDS)[number],
  url: string,
  store: Store,
  conversations: readonly Conversation[],
  messages: readonly Message[],
): Promise<string[]> {
  const first = await store.beginSync();
  const { result, statements } = await statementsOf(kind, () =>
    first.write(
      batch({
        conversations: [...conversations],
        messages: [...messages],
        newConversations: conversations.length,
        newMessages: messages.length,
      }),
    ),
  );
  // Taken for new: inserted without comparing, not written again after a failed insert.
  expect(statements.filter((sql) => sql.includes('ON CONFLICT (source, account, id)'))).toEqual([]);
  expect(result.get('okchat\nbot-1')).toEqual({
    conversations: { upserted: conversations.length, deleted: 0 },
    messages: { upserted: messages.length, deleted: 0 },
  });
  await first.end();
  const second = await store.beginSync();
  const compared = await second.write(
    batch({ conversations: [...conversations], messages: [...messages] }),
  );
  expect(compared.get('okchat\nbot-1')?.conversations.upserted ?? 0).toBe(0);
  expect(compared.get('okchat\nbot-1')?.messages.upserted ?? 0).toBe(0);
  await second.end();
  await store.close();
  const stored = await readStore(url);
  expect(stored.conversations.size).toBe(conversations.length);
  expect(stored.messages.size).toBe(messages.length);
  for (const record of conversations) {
    expect(stored.conversations.get(`okchat bot-1 ${record.id}`)?.record).toEqual(record);
  }
  for (const record of messages) {
    expect(stored.messages.get(`okchat bot-1 ${record.id}`)?.record).toEqual(record);
  }
  return statements;
}

describe.each(STORE_KINDS)('a %s store', (kind) => {
  it('has a table per record type, a column per canonical field, typed timestamps and JSON', async () => {
    const url = await freshStoreUrl(kind);
    await (await open(url)).close();
    const columns = await queryStore(
      url,
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_name IN ('conversations', 'messages') ORDER BY table_name, ordinal_position`,
    );
    for (const [table, schema] of [
      ['conversations', ConversationSchema],
      ['messages', MessageSchema],
    ] as const) {
      const found = columns.filter((row) => row.table_name === table);
      expect(found.map((row) => row.column_name)).toEqual(
        [
          'source',
          'account',
          'id',
          ...Object.keys(schema.shape)
            .filter((field) => !['source', 'account', 'id'].includes(field))
            .map(snake),
          'synced_at',
          'deleted_at',
        ].sort((a, b) => order(found, a) - order(found, b)),
      );
      expect(new Set(found.map((row) => row.column_name))).toEqual(
        new Set([...Object.keys(schema.shape).map(snake), 'synced_at', 'deleted_at']),
      );
      const typeOf = (name: string) =>
        String(found.find((row) => row.column_name === name)?.data_type).toLowerCase();
      expect(typeOf('created_at')).toBe('timestamp with time zone');
      expect(typeOf('deleted_at')).toBe('timestamp with time zone');
      expect(typeOf('raw')).toBe(kind === 'postgres' ? 'jsonb' : 'json');
      expect(typeOf('metadata')).toBe(kind === 'postgres' ? 'jsonb' : 'json');
    }
  });

  it('marks deleted, in one batch, the messages of each conversation not seen since its time, each row counted once', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const inConversation = (id: string, conversationId: string) => message(id, { conversationId });
    const first = await store.beginSync();
    await first.write(
      batch({
        conversations: ['c-1', 'c-2', 'c-3'].map((id) => conversation(id)),
        messages: [
          inConversation('m-1', 'c-1'),
          inConversation('m-2', 'c-1'),
          inConversation('m-3', 'c-2'),
          inConversation('m-4', 'c-2'),
          inConversation('m-5', 'c-3'),
          // A conversation id DuckDB and PostgreSQL both store with U+FFFD.
          inConversation('m-6', 'c-\uD800'),
        ],
      }),
    );
    await first.end();
    const second = await store.beginSync();
    // Seen again: m-1 and m-3. The conversations read whole: c-1 (three times, two of them
    // since this sync began), c-2, and c-\uD800; c-3 was not read.
    await second.write(
      batch({ messages: [inConversation('m-1', 'c-1'), inConversation('m-3', 'c-2')] }),
    );
    const key = { source: 'okchat', account: 'bot-1' };
    const result = await second.write(
      batch({
        messageDeletes: [
          { ...key, conversationId: 'c-1', since: first.syncedAt },
          { ...key, conversationId: 'c-2', since: second.syncedAt },
          { ...key, conversationId: 'c-1', since: second.syncedAt },
          { ...key, conversationId: 'c-1', since: second.syncedAt },
          { ...key, conversationId: 'c-\uD800', since: second.syncedAt },
        ],
      }),
    );
    expect(result.get('okchat\nbot-1')?.messages).toEqual({ upserted: 0, deleted: 3 });
    await second.end();
    await store.close();
    const stored = await readStore(url);
    expect(
      [...stored.messages.values()]
        .filter((row) => row.deleted)
        .map((row) => row.record.id)
        .sort(),
    ).toEqual(['m-2', 'm-4', 'm-6']);
  });

  it('keeps every field, microseconds included, counts only rows that change, and un-deletes rows that come back', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const sync = await store.beginSync();
    const key = { source: 'okchat', account: 'bot-1' };
    const first = await sync.write(
      batch({ conversations: [conversation('c-1')], messages: [message('m-1'), message('m-2')] }),
    );
    expect(first.get('okchat\nbot-1')).toEqual({
      conversations: { upserted: 1, deleted: 0 },
      messages: { upserted: 2, deleted: 0 },
    });
    const same = await sync.write(
      batch({ conversations: [conversation('c-1')], messages: [message('m-1'), message('m-2')] }),
    );
    expect(same.get('okchat\nbot-1')?.messages.upserted ?? 0).toBe(0);
    const edited = await sync.write(batch({ messages: [message('m-2', { text: 'edited' })] }));
    expect(edited.get('okchat\nbot-1')?.messages.upserted).toBe(1);
    await sync.end();

    const later = await store.beginSync();
    expect(later.syncedAt > sync.syncedAt).toBe(true);
    const gone = await later.write(
      batch({ conversationDeletes: [{ ...key, since: later.syncedAt }] }),
    );
    expect(gone.get('okchat\nbot-1')).toEqual({
      conversations: { upserted: 0, deleted: 1 },
      messages: { upserted: 0, deleted: 2 },
    });
    const back = await later.write(batch({ conversations: [conversation('c-1')] }));
    expect(back.get('okchat\nbot-1')?.conversations.upserted).toBe(1);
    await later.end();
    expect(await store.contents()).toEqual([
      { ...key, conversations: 1, messages: 0, deletedConversations: 0, deletedMessages: 2 },
    ]);
    await store.close();

    const stored = await readStore(url);
    expect(stored.conversations.get('okchat bot-1 c-1')?.record).toEqual(conversation('c-1'));
    expect(stored.messages.get('okchat bot-1 m-1')?.record).toEqual(message('m-1'));
    expect(stored.messages.get('okchat bot-1 m-1')?.record.text).toBe('');
    expect(stored.messages.get('okchat bot-1 m-2')?.record.text).toBe('edited');
  });

  it('stores text no engine takes as it is (NUL, lone surrogates) without failing the batch', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const sync = await store.beginSync();
    const hostile = 'a\u0000b\ud800c';
    const written = (id: string) =>
      message(id, {
        text: hostile,
        metadata: { [hostile]: hostile },
        raw: { text: hostile, list: [hostile] },
      });
    // The first is inserted as new, the second compared with what is stored.
    await sync.write(
      batch({ messages: [written('m-\u0000-1'), written('m-\ud800-2')], newMessages: 1 }),
    );
    await sync.end();
    await store.close();
    const rows = [...(await readStore(url)).messages.values()];
    expect(rows).toHaveLength(2);
    const expected = kind === 'postgres' ? 'a\uFFFDb\uFFFDc' : 'a\u0000b\uFFFDc';
    for (const row of rows) {
      expect(row.record.text).toBe(expected);
      expect(row.record.metadata).toEqual({ [expected]: expected });
      expect(row.record.raw).toEqual({ text: expected, list: [expected] });
    }
  });

  it('keeps tabs, line breaks, backslashes and escape-like text in rows taken for new, long ones too', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    // What PostgreSQL's COPY text format gives a meaning, in every kind of column.
    const tricky = 'a\tb\nc\rd\\e \\N \\. \\t\n\\.\n\\N';
    const long = `${tricky}${'x'.repeat(700_000)}\\`;
    const conversations = [
      conversation('c-\t1', { channel: tricky, metadata: { [tricky]: tricky }, raw: { long } }),
      conversation('\\N', { state: '\\N', raw: { text: '\\N' } }),
    ];
    const messages = [
      message('m-\n1', { conversationId: 'c-\t1', text: tricky, raw: { long } }),
      message('\\N', { conversationId: '\\N', text: '\\.', model: '\\N', raw: [tricky] }),
      message('m-3', { conversationId: 'c-\t1', text: long, attachments: [], raw: { long } }),
    ];
    const statements = await writtenNewThenCompared(kind, url, store, conversations, messages);
    if (kind === 'postgres') {
      expect(statements.filter((sql) => sql.startsWith('COPY '))).toEqual([
        expect.stringMatching(/^COPY conversations \(/),
        expect.stringMatching(/^COPY messages \(/),
      ]);
    }
  });

  it('keeps the last of two ids of one batch that the store holds alike, new or compared', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const sync = await store.beginSync();
    // Lone surrogates become U+FFFD in both engines: two ids, one stored key.
    const pair = (conversationId: string, first: string, second: string) => [
      message('m-\uD800', { conversationId, text: first }),
      message('m-\uD801', { conversationId, text: second }),
    ];
    const fresh = await sync.write(
      batch({ messages: [...pair('c-1', 'first', 'second'), message('m-3')], newMessages: 3 }),
    );
    expect(fresh.get('okchat\nbot-1')?.messages).toEqual({ upserted: 2, deleted: 0 });
    const compared = await sync.write(batch({ messages: pair('c-2', 'third', 'fourth') }));
    expect(compared.get('okchat\nbot-1')?.messages).toEqual({ upserted: 1, deleted: 0 });
    // Conversations and their checkpoints alike too.
    const checkpoint = (conversationId: string, signature: string) => ({
      source: 'okchat',
      account: 'bot-1',
      conversationId,
      checkpoint: { signature, cursor: null, overlap: [], fullSince: null },
    });
    const conversations = await sync.write(
      batch({
        conversations: [conversation('c-\uD800'), conversation('c-\uD801', { state: 'closed' })],
        checkpoints: [checkpoint('c-\uD800', 'first'), checkpoint('c-\uD801', 'second')],
      }),
    );
    expect(conversations.get('okchat\nbot-1')?.conversations).toEqual({ upserted: 1, deleted: 0 });
    await sync.end();
    await expect(sync.write(batch({ messages: [message('m-9')] }))).rejects.toThrow(/has ended/);
    await store.close();
    expect(
      await queryStore(url, 'SELECT id, conversation_id, text FROM messages ORDER BY id'),
    ).toEqual([
      { id: 'm-3', conversation_id: 'c-1', text: '' },
      { id: 'm-\uFFFD', conversation_id: 'c-2', text: 'fourth' },
    ]);
    expect(await queryStore(url, 'SELECT id, state FROM conversations')).toEqual([
      { id: 'c-\uFFFD', state: 'closed' },
    ]);
    expect(
      await queryStore(url, 'SELECT conversation_id, signature FROM chat_history_sync_checkpoints'),
    ).toEqual([{ conversation_id: 'c-\uFFFD', signature: 'second' }]);
  });

  it('inserts rows taken for new without comparing, and writes the batch again comparing when one is there', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const sync = await store.beginSync();
    const key = 'okchat\nbot-1';
    const first = await sync.write(
      batch({
        conversations: [conversation('c-1')],
        messages: [message('m-1'), message('m-2')],
        newConversations: 1,
        newMessages: 2,
      }),
    );
    expect(first.get(key)).toEqual({
      conversations: { upserted: 1, deleted: 0 },
      messages: { upserted: 2, deleted: 0 },
    });
    // m-2 is there already (a vendor repeating an id in another conversation, say): the batch
    // is written all the same, every row compared, and only what changed counts.
    const again = await sync.write(
      batch({
        conversations: [conversation('c-2')],
        messages: [
          message('m-3', { conversationId: 'c-2' }),
          message('m-2', { conversationId: 'c-2' }),
          message('m-1'),
        ],
        newConversations: 1,
        newMessages: 2,
        checkpoints: [
          {
            source: 'okchat',
            account: 'bot-1',
            conversationId: 'c-2',
            checkpoint: { signature: 's', cursor: null, overlap: ['m-3', 'm-2'], fullSince: null },
          },
        ],
      }),
    );
    expect(again.get(key)).toEqual({
      conversations: { upserted: 1, deleted: 0 },
      messages: { upserted: 2, deleted: 0 },
    });
    await sync.end();
    await store.close();
    const stored = await readStore(url);
    expect([...stored.conversations.keys()].sort()).toEqual([
      'okchat bot-1 c-1',
      'okchat bot-1 c-2',
    ]);
    expect(
      [...stored.messages.values()].map((row) => [row.record.id, row.record.conversationId]).sort(),
    ).toEqual([
      ['m-1', 'c-1'],
      ['m-2', 'c-2'],
      ['m-3', 'c-2'],
    ]);
    // One row per key: no index refuses the second m-2 in DuckDB, the store's own check does.
    expect(await queryStore(url, 'SELECT count(*)::INTEGER AS n FROM messages')).toEqual([
      { n: 3 },
    ]);
    expect(
      await queryStore(url, 'SELECT conversation_id, overlap FROM chat_history_sync_checkpoints'),
    ).toEqual([{ conversation_id: 'c-2', overlap: '["m-3","m-2"]' }]);
  });

  it('stores a row taken for new exactly as a compared write stores it', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    // Values whose text JavaScript and a database's JSON writer spell differently, and every
    // kind of empty value.
    const raw = { big: 1e21, small: 1e-7, huge: -1.5e300, none: null, text: 'é\u2028"\\/' };
    const conversations = [
      conversation('c-1', { raw, metadata: { big: 1e21 } }),
      conversation('c-2', {
        botId: null,
        channel: null,
        state: null,
        active: null,
        updatedAt: null,
        lastMessage: null,
        recording: null,
        raw: null,
      }),
    ];
    const messages = [
      message('m-1', { raw, usage: { totalTokens: 1e21 } }),
      message('m-2', { model: null, provider: null, usage: null, raw: null }),
    ];
    const statements = await writtenNewThenCompared(kind, url, store, conversations, messages);
    if (kind === 'duckdb') expect(statements).toContain('appended messages');
  });

  it('migrates an older schema in place, keeping its data, and refuses a newer one', async () => {
    const url = await freshStoreUrl(kind);
    const store = await open(url);
    const sync = await store.beginSync();
    await sync.write(batch({ messages: [message('m-1'), message('m-2')] }));
    await sync.end();
    await store.close();
    // The store as version 1 wrote it: messages keyed, without the index of version 2.
    const dialect = kind === 'postgres' ? POSTGRES_DIALECT : DUCKDB_DIALECT;
    const keyed = migrations(dialect)[0]?.find((sql) => sql.startsWith('CREATE TABLE messages'));
    await queryStore(
      url,
      kind === 'postgres'
        ? 'DROP INDEX messages_by_conversation'
        : `${keyed?.replace('CREATE TABLE messages', 'CREATE TABLE messages_v1')};
           INSERT INTO messages_v1 SELECT * FROM messages; DROP TABLE messages;
           ALTER TABLE messages_v1 RENAME TO messages`,
    );
    await queryStore(url, 'UPDATE chat_history_store SET version = 1');

    await (await open(url)).close();
    expect(await queryStore(url, 'SELECT version FROM chat_history_store')).toEqual([
      { version: 3 },
    ]);
    expect([...(await readStore(url)).messages.keys()].sort()).toEqual([
      'okchat bot-1 m-1',
      'okchat bot-1 m-2',
    ]);
    const indexes =
      kind === 'postgres'
        ? "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'messages' ORDER BY 1"
        : "SELECT constraint_type AS name FROM duckdb_constraints() WHERE table_name = 'messages' AND constraint_type <> 'NOT NULL' UNION ALL SELECT index_name FROM duckdb_indexes() WHERE table_name = 'messages'";
    // PostgreSQL keeps its indexes on disk; DuckDB would hold them in memory whole.
    expect((await queryStore(url, indexes)).map((row) => row.name)).toEqual(
      kind === 'postgres' ? ['messages_by_conversation', 'messages_pkey'] : [],
    );
    // The migrated table takes the sync's writes: one row per key, changes counted.
    const again = await open(url);
    const next = await again.beginSync();
    const written = await next.write(
      batch({ messages: [message('m-1', { text: 'edited' }), message('m-2'), message('m-3')] }),
    );
    expect(written.get('okchat\nbot-1')?.messages).toEqual({ upserted: 2, deleted: 0 });
    await next.end();
    await again.close();
    const stored = await readStore(url);
    expect([...stored.messages.keys()].sort()).toEqual([
      'okchat bot-1 m-1',
      'okchat bot-1 m-2',
      'okchat bot-1 m-3',
    ]);
    expect(stored.messages.get('okchat bot-1 m-1')?.record.text).toBe('edited');

    await queryStore(url, 'UPDATE chat_history_store SET version = 99');
    const error = await caught(openStore(url));
    expect(ChatHistoryError.is(error) && [error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining('newer'),
    ]);
  });
});

describe('openStore', () => {
  it('refuses what is not a store, with typed errors', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-open-'));
    const text = join(folder, 'notes.txt');
    writeFileSync(text, 'not a database, just some notes\n'.repeat(100));
    for (const [url, code] of [
      [join(folder, 'missing', 'history.duckdb'), 'bad_request'],
      [folder, 'bad_request'],
      [`${folder}/`, 'bad_request'],
      ['mysql://localhost/db', 'bad_request'],
      [42, 'bad_request'],
      [text, 'store_failed'],
    ] as const) {
      const error = await caught(openStore(url as string));
      expect(ChatHistoryError.is(error) && error.code, String(url)).toBe(code);
    }
    const missing = await caught(openStore(join(folder, 'nope', 'x.duckdb')));
    expect(String((missing as Error).message)).toMatch(/does not exist.*create it first/);
  });

  it('opens duckdb: and file:// names, releases the file on close, and keeps other processes out while open', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-open-'));
    const path = join(folder, 'history.duckdb');
    await (await openStore(`duckdb:${path}`)).close();
    const store = await openStore(`file://${path}`);
    const sameProcess = await caught(openStore(path));
    expect(ChatHistoryError.is(sameProcess) && sameProcess.code).toBe('store_locked');
    const other = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openStore } from ${JSON.stringify(join(import.meta.dirname, '../../dist/store/index.js'))};
         try { await openStore(${JSON.stringify(path)}); console.log('opened'); }
         catch (error) { console.log(error.code); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(other.trim()).toBe('store_locked');
    expect((await caught(openStore(path))).message).toContain(
      'is in use by another store open in this process',
    );
    // Any program holding the file, not only a sync of this library.
    const plain = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openStore } from ${JSON.stringify(join(import.meta.dirname, '../../dist/store/index.js'))};
         try { await openStore(${JSON.stringify(path)}); } catch (error) { console.log(error.message); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(plain).toContain(
      'in use by another process (a sync, or any program with the file open)',
    );
    await store.close();
    await store.close();
    await (await openStore(path)).close();
  });

  it('refuses what only looks like a store, typed, without the password and without creating a file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-odd-'));
    const file = join(folder, 'notes.txt');
    writeFileSync(file, 'some notes\n');
    const refusals: [string, string, RegExp][] = [
      // Credentials in what is not a well-formed postgres:// URL, or has spaces around it.
      [' postgres://alice:s3cretPW@127.0.0.1:1/db', 'bad_request', /spaces before or after/],
      ['postgres://alice:s3cretPW@127.0.0.1:1/db\n', 'bad_request', /spaces before or after/],
      ['postgres:alice:s3cretPW@127.0.0.1/db', 'bad_request', /not a PostgreSQL URL/],
      ['jdbc:postgresql://alice:s3cretPW@127.0.0.1/db', 'bad_request', /is not a store/],
      ['jdbc:postgresql://alice:s3cretPW@s3cretPW@127.0.0.1/db', 'bad_request', /is not a store/],
      ['mysql://alice:s3cretPW@127.0.0.1/db', 'bad_request', /alice:\[redacted\]@127/],
      ['md:my_database', 'bad_request', /is not a store/],
      ['backup:2025.duckdb', 'bad_request', /a colon: \.\/NAME or duckdb:NAME/],
      [':memory:', 'bad_request', /in memory would keep nothing/],
      ['file:relative.duckdb', 'bad_request', /write file:\/\/\/PATH/],
      ['file://elsewhere.example/tmp/x.duckdb', 'bad_request', /not a DuckDB file's URL/],
      [`file://${folder}/a%2Fb.duckdb`, 'bad_request', /not a DuckDB file's URL/],
      [`file://${folder}/x.duckdb?mode=ro`, 'bad_request', /query or fragment/],
      [`${folder}/new.duckdb/`, 'bad_request', /ends with a slash/],
      [join(folder, `${'n'.repeat(248)}.duckdb`), 'bad_request', /too long.*251 bytes at most/],
      [join(file, 'x.duckdb'), 'bad_request', /is not a folder, so no file can be created in it/],
      [
        'postgres://alice:s3cretPW@127.0.0.1:1/db?sslrootcert=/nonexistent/root.crt',
        'store_failed',
        /connection settings cannot be used.*nonexistent/,
      ],
    ];
    for (const [url, code, message] of refusals) {
      const error = await caught(openStore(url));
      expect([url, error.code, error.message]).toEqual([url, code, expect.stringMatching(message)]);
      expect(error.message).not.toContain('s3cretPW');
      expect(String(error.cause ?? '')).not.toContain('s3cretPW');
    }
    expect(readdirSync(folder)).toEqual(['notes.txt']);
    // The longest name that leaves room for DuckDB's `.wal` beside it is a store.
    const longest = join(folder, `${'n'.repeat(244)}.duckdb`);
    await (await openStore(longest)).close();
    expect(statSync(longest).size).toBeGreaterThan(0);
    // A name with a colon is a file's by its path or by duckdb:.
    const colon = join(folder, 'backup:2025.duckdb');
    await (await openStore(colon)).close();
    await (await openStore(`duckdb:${colon}`)).close();
    expect(statSync(colon).size).toBeGreaterThan(0);
  });

  it('keeps a second open of a DuckDB file out of this process under any of its names, and frees every name on close', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-names-'));
    const path = join(folder, 'history.duckdb');
    const symbolic = join(folder, 'symbolic.duckdb');
    const hard = join(folder, 'hard.duckdb');
    // A link to a file not made yet: the first open creates it through its real name.
    symlinkSync(path, symbolic);
    const store = await openStore(path);
    linkSync(path, hard);
    for (const name of [path, symbolic, hard, `duckdb:${symbolic}`]) {
      const error = await caught(openStore(name));
      expect([name, ChatHistoryError.is(error) && error.code]).toEqual([name, 'store_locked']);
    }
    const sync = await store.beginSync();
    await sync.write(batch({ messages: [message('m-1')], newMessages: 1 }));
    await sync.end();
    await store.close();
    for (const name of [symbolic, hard, path]) {
      const again = await openStore(name);
      expect([name, (await again.contents()).map((row) => row.messages)]).toEqual([name, [1]]);
      // Opened under one name, the file is held under the others.
      const other = name === path ? symbolic : path;
      expect((await caught(openStore(other))).code).toBe('store_locked');
      await again.close();
    }
  });

  it('gives a new DuckDB file opened under two names at once to one open, the other store_locked', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-race-'));
    // Both opens would find no file, and both would reach DuckDB, were they not taken in turn.
    for (let round = 0; round < 50; round += 1) {
      const path = join(folder, `h${round}.duckdb`);
      const symbolic = join(folder, `s${round}.duckdb`);
      symlinkSync(path, symbolic);
      const names = round % 2 === 0 ? [path, symbolic] : [symbolic, path];
      const outcomes = await Promise.allSettled(names.map((name) => openStore(name)));
      const opened = outcomes.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value] : [],
      );
      const refused = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' && ChatHistoryError.is(outcome.reason)
          ? [outcome.reason.code]
          : [],
      );
      expect([round, opened.length, refused]).toEqual([round, 1, ['store_locked']]);
      for (const store of opened) await store.close();
    }
  });

  it('says that an empty file is not a DuckDB database, and leaves it as it is', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'chat-history-empty-')), 'history.duckdb');
    writeFileSync(path, '');
    const error = await caught(openStore(path));
    expect([error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining(`${path} is an empty file, not a DuckDB database: remove it`),
    ]);
    expect(statSync(path).size).toBe(0);
    // Nothing of it stays held: once removed, the name is a new store.
    rmSync(path);
    await (await openStore(path)).close();
    expect(statSync(path).size).toBeGreaterThan(0);
  });

  it('commits DuckDB batches a row group of messages at a time, written straight into the file', async () => {
    const path = await freshStoreUrl('duckdb');
    const walBytes = () => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);
    const key = { source: 'okchat', account: 'bot-1' };
    let written = 0;
    let batches = 0;
    // A batch of new messages (200 characters of text each), and a checkpoint that tells
    // whether the batch is committed: reads see only what is.
    const writeBatch = async (sync: StoreSync, count = sync.batchMessages) => {
      const messages = Array.from({ length: count }, (_, index) =>
        message(`m-${written + index}`, { text: 'x'.repeat(200), raw: null, attachments: [] }),
      );
      const conversationId = `c-${batches}`;
      await sync.write(
        batch({
          messages,
          newMessages: count,
          checkpoints: [
            {
              ...key,
              conversationId,
              checkpoint: { signature: null, cursor: null, overlap: [], fullSince: null },
            },
          ],
        }),
      );
      written += count;
      batches += 1;
      return conversationId;
    };
    const committed = async (sync: StoreSync, ids: string[]) =>
      [...(await sync.readConversations(key, ids)).keys()].sort();

    let store = await open(path);
    let sync = await store.beginSync();
    expect(sync.batchMessages * 6).toBe(ROW_GROUP_ROWS);
    // Five batches wait in one transaction; the sixth fills a row group and commits them all.
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(await writeBatch(sync));
      expect(await committed(sync, ids)).toEqual([]);
    }
    ids.push(await writeBatch(sync));
    expect(await committed(sync, ids)).toEqual([...ids].sort());
    // The row group went into the file compressed, not into the log (6 MB of text).
    expect(walBytes()).toBeLessThan(1_000_000);
    // 100,000 messages: three row groups, and the rest committed by the end of the sync.
    while (written + sync.batchMessages <= 100_000) await writeBatch(sync);
    const rest = await writeBatch(sync, 100_000 - written);
    expect(await committed(sync, [rest])).toEqual([]);
    await sync.end();
    await store.close();
    expect(walBytes()).toBe(0);
    const groupsOf = async () =>
      (
        await queryStore(
          path,
          `SELECT max(count)::INTEGER AS n FROM pragma_storage_info('messages')
           GROUP BY row_group_id ORDER BY row_group_id`,
        )
      ).map((group) => Number(group.n));
    expect(await groupsOf()).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, ROW_GROUP_ROWS, 7840]);

    // Opened again, the messages stored count: the checkpoint comes at 122,880 in all. A text
    // longer than the checkpoint's usual memory goes into the log, and the checkpoint makes
    // room for it (one that ran out of memory would leave the store taking no more statements).
    store = await open(path);
    sync = await store.beginSync();
    const long = message('m-long', { text: 'x'.repeat(70 * 1024 * 1024) });
    await sync.write(batch({ messages: [long], newMessages: 1 }));
    written += 1;
    await sync.commit();
    const logged = walBytes();
    expect(logged).toBeGreaterThan(70 * 1024 * 1024);
    // 100,001 + 30,720 stored: past a checkpoint's 122,880, the log goes into the file.
    expect(100_001 + ROW_GROUP_ROWS).toBeGreaterThan(ROWS_PER_CHECKPOINT);
    while (written < 100_001 + ROW_GROUP_ROWS) await writeBatch(sync);
    expect(walBytes()).toBeLessThan(logged / 10);
    await sync.end();
    expect(await store.contents()).toEqual([
      {
        source: 'okchat',
        account: 'bot-1',
        conversations: 0,
        messages: written,
        deletedConversations: 0,
        deletedMessages: 0,
      },
    ]);
    await store.close();
    // Opened a third time, more than a row group: its size holds at every open (DuckDB's
    // usual size would make one group of them all).
    store = await open(path);
    sync = await store.beginSync();
    const before = written;
    while (written - before <= ROW_GROUP_ROWS) await writeBatch(sync);
    await sync.end();
    await store.close();
    const groups = await groupsOf();
    expect(Math.max(...groups)).toBe(ROW_GROUP_ROWS);
    expect(groups.filter((rows) => rows === ROW_GROUP_ROWS).length).toBeGreaterThan(4);
    expect(groups.reduce((sum, rows) => sum + rows, 0)).toBe(written);
  });

  it('rolls back every DuckDB batch not yet committed when a write fails, and goes on after it', async () => {
    const path = await freshStoreUrl('duckdb');
    const store = await open(path);
    const sync = await store.beginSync();
    const key = { source: 'okchat', account: 'bot-1' };
    const checkpointOf = (conversationId: string) => ({
      ...key,
      conversationId,
      checkpoint: { signature: null, cursor: null, overlap: [], fullSince: null },
    });
    const part = (conversationId: string) =>
      batch({
        conversations: [conversation(conversationId)],
        messages: [message(`${conversationId}-m`, { conversationId })],
        newConversations: 1,
        newMessages: 1,
        checkpoints: [checkpointOf(conversationId)],
      });
    await sync.write(part('c-1'));
    await sync.write(part('c-2'));
    // The engine refuses the third batch's first statement.
    const refused = vi
      .spyOn(DuckDBPreparedStatement.prototype, 'runAndReadAll')
      .mockImplementationOnce(async () => {
        throw new Error('the disk is full');
      });
    const error = await caught(sync.write(part('c-3')));
    refused.mockRestore();
    expect([error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining('a statement failed'),
    ]);
    // The two batches before it were in its transaction: gone with it, checkpoints and all.
    expect([...(await sync.readConversations(key, ['c-1', 'c-2', 'c-3'])).keys()]).toEqual([]);
    await sync.write(part('c-4'));
    await sync.end();
    await store.close();
    const contents = await readStore(path);
    expect([...contents.conversations.values()].map((row) => row.record.id)).toEqual(['c-4']);
    expect([...contents.messages.values()].map((row) => row.record.id)).toEqual(['c-4-m']);
  });

  it('commits a DuckDB transaction left open by a slow sync after some seconds', async () => {
    const path = await freshStoreUrl('duckdb');
    const store = await open(path);
    const sync = await store.beginSync();
    const key = { source: 'okchat', account: 'bot-1' };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await sync.write(
        batch({
          messages: [message('m-1')],
          newMessages: 1,
          checkpoints: [
            {
              ...key,
              conversationId: 'c-1',
              checkpoint: { signature: null, cursor: null, overlap: [], fullSince: null },
            },
          ],
        }),
      );
      const seen = async () => (await sync.readConversations(key, ['c-1'])).size;
      vi.advanceTimersByTime(GROUP_OPEN_MS - 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(await seen()).toBe(0);
      vi.advanceTimersByTime(1);
      let waited = 0;
      while ((await seen()) === 0 && waited++ < 1000) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await seen()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    await sync.end();
  });

  it('keeps one row per key in DuckDB, whose messages have no key index, when a batch repeats a key', async () => {
    const path = await freshStoreUrl('duckdb');
    const store = await open(path);
    const sync = await store.beginSync();
    // Two ids DuckDB stores alike (a lone surrogate becomes U+FFFD), both taken for new.
    const result = await sync.write(
      batch({
        messages: [message('m-\uD800'), message('m-\uD801', { text: 'second' }), message('m-2')],
        newMessages: 3,
      }),
    );
    expect(result.get('okchat\nbot-1')?.messages).toEqual({ upserted: 2, deleted: 0 });
    await sync.end();
    await store.close();
    expect(
      await queryStore(
        path,
        'SELECT id, count(*)::INTEGER AS n FROM messages GROUP BY id ORDER BY id',
      ),
    ).toEqual([
      { id: 'm-2', n: 1 },
      { id: 'm-\uFFFD', n: 1 },
    ]);
  });

  it('scans DuckDB messages for taken keys only when the keys the sync wrote cannot rule it out', async () => {
    const path = await freshStoreUrl('duckdb');
    const store = await open(path);
    const sync = await store.beginSync();
    const write = (parts: Partial<StoreBatch>) => keyScansOf(() => sync.write(batch(parts)));
    // The store held no message of okchat/bot-1: new rows need no scan while their keys are new.
    expect(await write({ messages: [message('m-1'), message('m-2')], newMessages: 2 })).toBe(0);
    expect(await write({ messages: [message('m-3')], newMessages: 1 })).toBe(0);
    // A row compared with the store (its conversation is stored) is inserted, and remembered.
    expect(await write({ messages: [message('m-4')] })).toBe(0);
    // A new conversation repeating a key written before, by either way: found, one row each.
    for (const id of ['m-2', 'm-4']) {
      const conversationId = `c-${id}`;
      const scans = await write({
        conversations: [conversation(conversationId)],
        messages: [message(id, { conversationId, text: 'moved' }), message(`${id}-new`)],
        newConversations: 1,
        newMessages: 2,
      });
      expect(scans).toBe(1);
    }
    await sync.end();
    // Another sync of a store holding messages of the source: every batch of new rows is scanned.
    const next = await store.beginSync();
    const scans = await keyScansOf(() =>
      next.write(batch({ messages: [message('m-5')], newMessages: 1 })),
    );
    expect(scans).toBe(1);
    // So is a batch of new conversations, whose table holds some of the source: one taken is
    // found before anything is written, and the batch compared (its key index would refuse it).
    const moved = conversation('c-m-2', { state: 'closed' });
    let written: StoreBatchResult | undefined;
    expect(
      await keyScansOf(async () => {
        written = await next.write(batch({ conversations: [moved], newConversations: 1 }));
      }),
    ).toBe(1);
    expect(written?.get('okchat\nbot-1')?.conversations).toEqual({ upserted: 1, deleted: 0 });
    await next.end();
    await store.close();
    expect(
      await queryStore(
        path,
        `SELECT id, conversation_id, text, count(*) OVER (PARTITION BY id)::INTEGER AS n
         FROM messages ORDER BY id`,
      ),
    ).toEqual([
      { id: 'm-1', conversation_id: 'c-1', text: '', n: 1 },
      { id: 'm-2', conversation_id: 'c-m-2', text: 'moved', n: 1 },
      { id: 'm-2-new', conversation_id: 'c-1', text: '', n: 1 },
      { id: 'm-3', conversation_id: 'c-1', text: '', n: 1 },
      { id: 'm-4', conversation_id: 'c-m-4', text: 'moved', n: 1 },
      { id: 'm-4-new', conversation_id: 'c-1', text: '', n: 1 },
      { id: 'm-5', conversation_id: 'c-1', text: '', n: 1 },
    ]);
  });

  it('closes a DuckDB store without holding up the event loop while its log goes into the file', async () => {
    const path = await freshStoreUrl('duckdb');
    const store = await openStore(path);
    const sync = await store.beginSync();
    const messages = Array.from({ length: 20_000 }, (_, index) => message(`m-${index}`));
    await sync.write(batch({ messages, newMessages: messages.length }));
    await sync.end();
    expect(statSync(`${path}.wal`).size).toBeGreaterThan(1_000_000);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    try {
      await store.close();
    } finally {
      clearInterval(timer);
    }
    // The checkpoint ran while timers went on firing, and it is done: the log is in the file.
    expect(ticks).toBeGreaterThan(0);
    expect(existsSync(`${path}.wal`)).toBe(false);
    expect(await queryStore(path, 'SELECT count(*)::INTEGER AS n FROM messages')).toEqual([
      { n: 20_000 },
    ]);
  });

  it('refuses a DuckDB file another process holds, and opens it once that process is killed', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-open-'));
    const path = join(folder, 'history.duckdb');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openStore } from ${JSON.stringify(join(import.meta.dirname, '../../dist/store/index.js'))};
         await openStore(${JSON.stringify(path)}); console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const error = await caught(openStore(path));
    expect(ChatHistoryError.is(error) && error.code).toBe('store_locked');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await (await openStore(path)).close();
  });

  it('names an unreachable PostgreSQL server without its password, retryable', async () => {
    const url = 'postgres://someone:hunter2-secret-pw@127.0.0.1:9/db';
    const error = await caught(openStore(url));
    expect(ChatHistoryError.is(error) && [error.code, error.retryable]).toEqual([
      'store_failed',
      true,
    ]);
    const shown = JSON.stringify(ChatHistoryError.is(error) ? error.toJSON() : error);
    expect(`${String((error as Error).message)} ${shown}`).not.toMatch(/hunter2|secret-pw/);
    expect(String((error as Error).message)).toContain('127.0.0.1:9');
  });

  it('leaves a PostgreSQL database alone that has a conversations table of its own', async () => {
    const url = await freshStoreUrl('postgres');
    await withPostgres(url, (client) =>
      client.query('CREATE TABLE conversations (id int); INSERT INTO conversations VALUES (7)'),
    );
    const error = await caught(openStore(url));
    expect(ChatHistoryError.is(error) && [error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining('already has a table named conversations of its own'),
    ]);
    expect(await queryStore(url, 'SELECT id FROM conversations')).toEqual([{ id: 7 }]);
    expect(await queryStore(url, "SELECT to_regclass('chat_history_store') AS found")).toEqual([
      { found: null },
    ]);
  });

  it('leaves a DuckDB file alone that has a messages table of its own, and says so', async () => {
    const path = await freshStoreUrl('duckdb');
    await queryStore(
      path,
      "CREATE TABLE messages (id INT, text TEXT); INSERT INTO messages VALUES (7, 'mine')",
    );
    const error = await caught(openStore(path));
    expect([error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining(`${path} already has a table named messages of its own`),
    ]);
    expect(await queryStore(path, 'SELECT * FROM messages')).toEqual([{ id: 7, text: 'mine' }]);
    expect(
      await queryStore(
        path,
        "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'chat_history%'",
      ),
    ).toEqual([{ n: 0n }]);
  });

  it('reads on a second PostgreSQL connection, opened again after it once failed', async () => {
    const url = await freshStoreUrl('postgres');
    const role = `chk_one_${Date.now()}`;
    await withPostgres(url, async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
      await client.query(`GRANT ALL ON SCHEMA public TO ${role}`);
    });
    const limited = new URL(url);
    limited.username = role;
    const store = await open(limited.toString());
    const sync = await store.beginSync();
    // One connection allowed: the sync's reads cannot open theirs.
    const refused = await caught(sync.readSource({ source: 'okchat', account: 'a' }));
    expect(ChatHistoryError.is(refused) && refused.code).toBe('store_failed');
    await withPostgres(url, (client) => client.query(`ALTER ROLE ${role} CONNECTION LIMIT 2`));
    expect(await sync.readSource({ source: 'okchat', account: 'a' })).toBeNull();
    await sync.end();
  });

  it('says which package to install when a driver is missing, from the ESM and CommonJS builds', async () => {
    // The package as npm installs it, without its optional DuckDB driver nor `pg`.
    const project = await projectWithPackedPackage('chat-history-no-drivers-');
    const file = join(project, 'h.duckdb');
    const attempt = `const out = [];
      for (const url of [${JSON.stringify(file)}, 'postgres://127.0.0.1:9/none']) {
        try { await (await openStore(url)).close(); out.push('opened'); }
        catch (error) { out.push([error.code, error.message]); }
      }
      console.log(JSON.stringify(out));`;
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { openStore } from 'chat-history-kit/store';\n${attempt}`,
      ],
      { cwd: project, encoding: 'utf8' },
    );
    const cjs = execFileSync(
      process.execPath,
      [
        '-e',
        `const { openStore } = require('chat-history-kit/store');\n(async () => {${attempt}})();`,
      ],
      { cwd: project, encoding: 'utf8' },
    );
    for (const output of [esm, cjs]) {
      expect(JSON.parse(output)).toEqual([
        ['driver_missing', expect.stringContaining('npm install @duckdb/node-api')],
        ['driver_missing', expect.stringContaining('npm install pg')],
      ]);
    }
    expect(existsSync(file)).toBe(false);
  });

  it('opens DuckDB files from the ESM and CommonJS builds and from a CommonJS bundle, in folders with odd names', async () => {
    // A folder name with a quote, a `#` (a URL's fragment), a space and a non-ASCII letter.
    const project = await projectWithPackedPackage("chat-history-#1 'é' ");
    const modules = join(project, 'node_modules', '@duckdb');
    mkdirSync(modules);
    for (const name of ['node-api', 'node-bindings', 'node-bindings-linux-x64']) {
      symlinkSync(join(ROOT, 'node_modules', '@duckdb', name), join(modules, name));
    }
    const body = (file: string) => `const store = await openStore(${JSON.stringify(file)});
      console.log(JSON.stringify(await store.contents()));
      await store.close();`;
    const files = ['esm', 'cjs', 'bundle'].map((name) => join(project, `${name} 'é' #.duckdb`));
    const [esmFile = '', cjsFile = '', bundleFile = ''] = files;
    writeFileSync(
      join(project, 'app.mjs'),
      `import { openStore } from 'chat-history-kit/store';\n${body(esmFile)}`,
    );
    writeFileSync(
      join(project, 'app.cjs'),
      `const { openStore } = require('chat-history-kit/store');\n(async () => {${body(cjsFile)}})();`,
    );
    // An application bundled to CommonJS: the bundler empties `import.meta`.
    writeFileSync(
      join(project, 'bundled.mjs'),
      `import { openStore } from 'chat-history-kit/store';\n(async () => {${body(bundleFile)}})();`,
    );
    await build({
      absWorkingDir: project,
      entryPoints: ['bundled.mjs'],
      outfile: 'bundle.cjs',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@duckdb/node-api', 'pg'],
      logLevel: 'silent',
    });
    for (const script of ['app.mjs', 'app.cjs', 'bundle.cjs']) {
      const output = execFileSync(process.execPath, [script], { cwd: project, encoding: 'utf8' });
      expect([script, JSON.parse(output)]).toEqual([script, []]);
    }
    for (const file of files) expect(statSync(file).size).toBeGreaterThan(0);
  });

  it('writes and reads a DuckDB file whose path has a quote, a # and non-ASCII letters', async () => {
    const folder = mkdtempSync(join(tmpdir(), "chat-history-'#ü' "));
    const path = join(folder, "it's #1 ü.duckdb");
    let store = await open(path);
    const sync = await store.beginSync();
    await sync.write(batch({ messages: [message('m-1')], newMessages: 1 }));
    await sync.end();
    await store.close();
    store = await open(path);
    expect((await store.contents()).map((row) => row.messages)).toEqual([1]);
  });

  it('refuses the file of another database without asking DuckDB for an extension', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'chat-history-sqlite-')), 'other.db');
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096)]));
    const error = await caught(openStore(path));
    expect(ChatHistoryError.is(error) && [error.code, error.message]).toEqual([
      'store_failed',
      expect.stringContaining('not a valid DuckDB database file'),
    ]);
  });

  it('checkpoints DuckDB on more threads and a lowered memory limit, then goes back, failing or not', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chat-history-checkpoint-')), 'h.duckdb');
    const engine = await attached(await import('@duckdb/node-api'), file, file);
    const { connection } = engine;
    // The settings are the engine's; a connection of its own database in memory reads them after
    // a failed checkpoint has invalidated the file's.
    const probe = await engine.instance.connect();
    const settings = async () =>
      (
        await probe.runAndReadAll(
          "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory",
        )
      ).getRowObjectsJS()[0];
    try {
      const before = await settings();
      await connection.run('CREATE TABLE t AS SELECT range AS i FROM range(100000)');
      await checkpoint(connection, 0);
      expect(await settings()).toEqual(before);
      // A checkpoint that fails: its own error, and the settings back all the same.
      await connection.run("SET debug_checkpoint_abort = 'before_truncate'");
      await connection.run('INSERT INTO t VALUES (1)');
      await expect(checkpoint(connection, 0)).rejects.toThrow(/Checkpoint aborted/);
      expect(await settings()).toEqual(before);
    } finally {
      probe.closeSync();
      engine.reads.closeSync();
      engine.connection.closeSync();
      engine.instance.closeSync();
    }
  });

  it('writes a new DuckDB file in a storage version that compresses long texts with zstd, and an older file in its own', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chat-history-storage-'));
    const created = join(folder, 'created.duckdb');
    // A file DuckDB created with its own default storage version, as earlier stores were.
    const older = join(folder, 'older.duckdb');
    (await DuckDBInstance.create(older)).closeSync();
    const messages = Array.from({ length: 3000 }, (_, index) =>
      message(`m-${index}`, {
        text: `message ${index}: ${'the order was shipped and will arrive soon '.repeat(4)}`,
        metadata: { index, note: 'a note about this message' },
        raw: { id: `m-${index}`, content: `message ${index}`, extra: 'x'.repeat(index % 200) },
      }),
    );
    for (const path of [created, older]) {
      const store = await open(path);
      const sync = await store.beginSync();
      await sync.write(batch({ messages, newMessages: messages.length }));
      await sync.end();
      await store.close();
    }
    const layout = async (path: string) => ({
      version: (
        await queryStore(
          path,
          "SELECT tags['storage_version'] AS version FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'",
        )
      )[0]?.version,
      compressions: Object.fromEntries(
        (
          await queryStore(
            path,
            `SELECT column_name AS name, list_sort(list_distinct(list(compression))) AS used
             FROM pragma_storage_info('messages')
             WHERE column_name IN ('text', 'raw', 'metadata', 'id') AND segment_type <> 'VALIDITY'
             GROUP BY ALL`,
          )
        ).map((row) => [row.name, row.used]),
      ),
    });
    expect(await layout(created)).toEqual({
      version: 'v1.2.0+',
      compressions: {
        text: ['ZSTD'],
        raw: ['ZSTD'],
        metadata: ['ZSTD'],
        id: expect.not.arrayContaining(['ZSTD']),
      },
    });
    // DuckDB leaves out zstd in an older storage version: the file stays readable to the DuckDB
    // versions that read it before.
    const { version, compressions } = await layout(older);
    expect(version).toBe('v1.0.0+');
    expect(Object.values(compressions).flat()).not.toContain('ZSTD');
    const contents = await Promise.all([created, older].map((path) => readStore(path)));
    for (const stored of contents) {
      expect([...stored.messages.values()].map((row) => row.record)).toEqual(
        messages.map((record) => expect.objectContaining(record)),
      );
    }
  });

  it('gives DuckDB a spill folder beside the file, no extension downloads, and memory handed back after large frees', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chat-history-settings-')), 'h.duckdb');
    const engine = await attached(await import('@duckdb/node-api'), file, file);
    try {
      const reader = await engine.connection.runAndReadAll(
        `SELECT current_setting('temp_directory') AS spill,
                current_setting('autoinstall_known_extensions') AS downloads,
                current_setting('threads') AS threads,
                current_setting('allocator_bulk_deallocation_flush_threshold') AS flush`,
      );
      expect(reader.getRowObjectsJS()).toEqual([
        { spill: `${file}.tmp`, downloads: false, threads: 1n, flush: '4.0 MiB' },
      ]);
    } finally {
      engine.reads.closeSync();
      engine.connection.closeSync();
      engine.instance.closeSync();
    }
  });
});

function order(rows: Record<string, unknown>[], name: string): number {
  return rows.findIndex((row) => row.column_name === name);
}
