import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatHistorySource } from '../src/chat-history-source.js';
import {
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  syncHistory,
} from '../src/index.js';
import { openStore } from '../src/store/open-store.js';
import { startSandbox } from '../src/testing/index.js';
import { startPostgresCluster } from '../test/setup/postgres-cluster.js';
import { type RemoteSandbox, ratio, runCliMeasured, startRemoteSandbox, table } from './support.js';

const MESSAGES_PER_CONVERSATION = 100;
// OkChat leaves voice conversations (1 in 7) empty; Chats v1 fills every chat.
const PER_CONVERSATION_PAIR = MESSAGES_PER_CONVERSATION * (1 + 6 / 7);

/** Rounds of export, DuckDB sync and PostgreSQL sync, one after the other. */
const THROUGHPUT_ROUNDS = 5;

interface Run {
  messages: number;
  seconds: number;
  peakRss: number;
}

/** Runs the built CLI against the remote sandbox: messages it reports, time and peak RSS. */
async function cli(sandbox: RemoteSandbox, args: string[]): Promise<{ run: Run; stdout: string }> {
  const { stdout, stderr, seconds, peakRss } = await runCliMeasured(sandbox, args, {
    CHATS_V1_ACCOUNT: 'bench',
  });
  const exported = /exported ([\d,]+) messages/.exec(stderr);
  const synced = /messages ([\d,]+) new or changed/.exec(stderr);
  const messages = Number((exported ?? synced)?.[1]?.replaceAll(',', '') ?? 0);
  return { run: { messages, seconds, peakRss }, stdout };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function withRemoteSandbox<T>(
  messages: number,
  work: (sandbox: RemoteSandbox) => Promise<T>,
) {
  const conversations = Math.round(messages / PER_CONVERSATION_PAIR);
  const sandbox = await startRemoteSandbox({
    okchat: { conversations, messagesPerConversation: MESSAGES_PER_CONVERSATION },
    chatsV1: { chats: conversations, messagesPerChat: MESSAGES_PER_CONVERSATION },
  });
  try {
    return await work(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** Requests of re-syncs: nothing changed, then 1% of conversations changed (in process). */
async function resyncRequests(store: string): Promise<string[][]> {
  const live = { schedule: () => [] };
  const sandbox = await startSandbox({
    okchat: { conversations: 400, messagesPerConversation: 40, live },
    chatsV1: { chats: 400, messagesPerChat: 40, live },
    intercom: { conversations: 400, live },
  });
  try {
    const sources: ChatHistorySource[] = [
      createOkChatSource({
        apiKey: sandbox.okchat.emulator.apiKey,
        chatbotId: sandbox.okchat.emulator.chatbotId,
        baseURL: sandbox.okchat.url,
      }),
      createChatsV1Source({
        apiKey: sandbox.chatsV1.emulator.apiKey,
        baseURL: sandbox.chatsV1.url,
        account: 'bench',
      }),
      createIntercomSource({
        accessToken: sandbox.intercom.emulator.accessToken,
        baseURL: sandbox.intercom.url,
      }),
    ];
    const opened = await openStore(store);
    const sync = () => syncHistory({ sources, store: opened, concurrency: 8 });
    try {
      await sync();
      const listing = await listingRequests(sources);
      const unchanged = await sync();
      const emulators = [
        sandbox.okchat.emulator,
        sandbox.chatsV1.emulator,
        sandbox.intercom.emulator,
      ];
      let changed = 0;
      for (const emulator of emulators) {
        const ids = emulator.conversations().map((record) => String(record.id));
        // 1%: four conversations per vendor get a new message each.
        for (const id of ids.slice(0, Math.max(1, Math.round(ids.length / 100)))) {
          emulator.change('append', id);
          changed += 1;
        }
      }
      const afterChange = await sync();
      const withChanges = afterChange.requests;
      return [
        [
          'nothing changed',
          String(unchanged.requests),
          `${listing.complete} (complete listings)`,
          `${unchanged.messages.upserted}`,
        ],
        [
          `1% changed (${changed} conversations)`,
          String(withChanges),
          `listing + ${((withChanges - unchanged.requests) / changed).toFixed(2)} per changed conversation`,
          `${afterChange.messages.upserted}`,
        ],
      ];
    } finally {
      await opened.close();
    }
  } finally {
    await sandbox.close();
  }
}

/** A new, empty database on the benchmark's PostgreSQL server; its URL. */
async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function listingRequests(sources: readonly ChatHistorySource[]) {
  let complete = 0;
  for (const source of sources) {
    for await (const _ of source.listConversations({
      onRequest: () => {
        complete += 1;
      },
    })) {
      // counted
    }
  }
  return { complete };
}

/** 8. Sync: throughput against export, re-sync requests, and memory at 100k and 1M messages. */
export async function syncBenchmark(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chk-sync-bench-'));
  const postgres = await startPostgresCluster();
  try {
    const throughput = await withRemoteSandbox(100_000, async (sandbox) => {
      // Alternated rounds: this machine's speed drifts from minute to minute, and a run of one
      // kind alone can fall in a slow minute.
      const runs = { export: [] as Run[], duckdb: [] as Run[], postgres: [] as Run[] };
      for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
        runs.export.push(
          (await cli(sandbox, ['export', '--out', join(dir, `export-${round}.ndjson`)])).run,
        );
        runs.duckdb.push(
          (await cli(sandbox, ['sync', '--store', join(dir, `first-${round}.duckdb`)])).run,
        );
        const database = await freshDatabase(postgres.url, `first_${round}`);
        runs.postgres.push((await cli(sandbox, ['sync', '--store', database])).run);
      }
      const rate = (run: Run) => run.messages / run.seconds;
      const baseline = median(runs.export.map(rate));
      return (
        [
          ['export to NDJSON (baseline)', runs.export],
          ['sync into DuckDB', runs.duckdb],
          ['sync into PostgreSQL', runs.postgres],
        ] as const
      ).map(([name, kind]) => {
        const perRound = kind.map((run, round) => rate(run) / rate(runs.export[round] ?? run));
        return [
          name,
          (kind[0]?.messages ?? 0).toLocaleString('en-US'),
          `${median(kind.map((run) => run.seconds)).toFixed(1)} s`,
          Math.round(median(kind.map(rate))).toLocaleString('en-US'),
          ratio(median(kind.map(rate)) / baseline),
          `${ratio(Math.min(...perRound))} to ${ratio(Math.max(...perRound))}`,
        ];
      });
    });
    const requests = await resyncRequests(join(dir, 'resync.duckdb'));
    const memory: Run[] = [];
    const memoryInPostgres: Run[] = [];
    for (const size of [100_000, 1_000_000]) {
      await withRemoteSandbox(size, async (sandbox) => {
        memory.push(
          (await cli(sandbox, ['sync', '--store', join(dir, `memory-${size}.duckdb`)])).run,
        );
        const database = await freshDatabase(postgres.url, `memory_${size}`);
        memoryInPostgres.push((await cli(sandbox, ['sync', '--store', database])).run);
      });
    }
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    const [small, large] = memory;
    const [smallInPostgres, largeInPostgres] = memoryInPostgres;
    return [
      table(
        `8a. First sync against export, same data (100k messages, OkChat and Chats v1 emulated in another process), each in a child process; medians of ${THROUGHPUT_ROUNDS} alternated rounds, and each round against its own export`,
        ['run', 'messages', 'time', 'messages/s', 'vs export', 'rounds'],
        throughput,
      ),
      table(
        '8b. Requests of a re-sync (400 conversations per vendor, three vendors, DuckDB)',
        ['re-sync', 'requests', 'baseline', 'messages upserted'],
        requests,
      ),
      table(
        `8c. Memory: peak RSS of the CLI process syncing; 1M / 100k peak = ${((large?.peakRss ?? 0) / (small?.peakRss ?? 1)).toFixed(2)}x into DuckDB (the engine runs in the process), ${((largeInPostgres?.peakRss ?? 0) / (smallInPostgres?.peakRss ?? 1)).toFixed(2)}x into PostgreSQL (a server of its own)`,
        ['store', 'messages', 'time', 'messages/s', 'peak RSS'],
        [
          ...memory.map((run) => ['DuckDB', run] as const),
          ...memoryInPostgres.map((run) => ['PostgreSQL', run] as const),
        ].map(([store, run]) => [
          store,
          run.messages.toLocaleString('en-US'),
          `${run.seconds.toFixed(1)} s`,
          Math.round(run.messages / run.seconds).toLocaleString('en-US'),
          mib(run.peakRss),
        ]),
      ),
    ].join('\n');
  } finally {
    postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
