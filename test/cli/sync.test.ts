import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupt } from '../../src/cli/interrupt.js';
import { runCli } from '../../src/cli/run-cli.js';
import { type Sandbox, startSandbox } from '../../src/testing/index.js';
import { capture } from '../helpers/capture-stream.js';
import { runBuiltCli } from '../helpers/run-command.js';
import { freshStoreUrl, readStore } from '../helpers/stores.js';

const run = runBuiltCli;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chk-cli-sync-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sync', () => {
  it('syncs the sandbox into a DuckDB file, says what changed and what the store holds, and costs a listing the second time', async () => {
    const store = join(dir, 'sandbox.duckdb');
    const first = await run(['sync', '--sandbox', '--store', store]);
    expect(first).toMatchObject({ code: 0, stdout: '' });
    const [summary, ...contents] = first.stderr.trim().split('\n');
    expect(summary).toMatch(
      /^synced okchat, chats-v1, intercom into .*sandbox\.duckdb in [\d.]+s: conversations 80 new or changed, 0 deleted; messages 1,151 new or changed, 0 deleted; \d+ requests$/,
    );
    expect(contents).toEqual([
      '  chats-v1 (sandbox): 20 conversations, 289 messages',
      '  intercom (default): 20 conversations, 312 messages',
      expect.stringMatching(/^ {2}okchat \([\w-]+\): 40 conversations, 550 messages$/),
    ]);
    const stored = await readStore(store);
    expect([stored.conversations.size, stored.messages.size]).toEqual([80, 1151]);

    const second = await run(['sync', '--sandbox', '--store', store, '--json']);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      conversations: { upserted: 0, deleted: 0 },
      messages: { upserted: 0, deleted: 0 },
      requests: 3,
      store,
    });
    expect(second.stderr).toContain('conversations 0 new or changed');
  });

  it('draws a status line on a terminal only, then the summary', async () => {
    for (const isTTY of [true, false]) {
      const stderr = capture(isTTY);
      const stdout = new PassThrough();
      stdout.resume();
      const code = await runCli(
        [
          'sync',
          '--sandbox',
          '--source',
          'chats-v1',
          '--sandbox-conversations',
          '6',
          '--sandbox-latency',
          '40',
          '--concurrency',
          '1',
          '--store',
          join(dir, `progress-${isTTY}.duckdb`),
        ],
        { stdout, stderr: stderr.stream, env: {} },
      );
      expect(code).toBe(0);
      const text = stderr.text();
      if (isTTY) {
        expect(text).toMatch(/syncing: chats-v1 \d+\/\d+ changed of \d+ listed, [\d,]+ messages/);
      } else {
        expect(text).not.toContain('syncing:');
      }
      expect(text).toMatch(/synced chats-v1 into .* conversations 6 new or changed/);
    }
  });

  it('stops on Ctrl-C with exit 130, keeping what it committed, and the next sync goes on from there', async () => {
    const store = join(dir, 'interrupted.duckdb');
    const args = [
      'sync',
      '--sandbox',
      '--source',
      'okchat',
      '--sandbox-latency',
      '40',
      '--concurrency',
      '1',
      '--store',
      store,
    ];
    const controller = new AbortController();
    // On a terminal, the status line says how many messages came: Ctrl-C once some did.
    const stderr = capture(true);
    const original = stderr.stream.write.bind(stderr.stream);
    stderr.stream.write = ((chunk: unknown, ...rest: never[]) => {
      const fetched = /okchat \d+\/\d+ changed of \d+ listed, (\d+) messages/.exec(String(chunk));
      if (Number(fetched?.[1] ?? 0) >= 50) controller.abort(new Interrupt('SIGINT'));
      return original(chunk as string, ...rest);
    }) as typeof stderr.stream.write;
    const stdout = new PassThrough();
    stdout.resume();
    const code = await runCli(args, {
      stdout,
      stderr: stderr.stream,
      env: {},
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stderr.text()).toMatch(/chat-history-kit: interrupted\n$/);
    const partial = await readStore(store);
    expect(partial.messages.size).toBeGreaterThan(0);
    expect(partial.messages.size).toBeLessThan(550);
    const rest = await run([
      ...args.filter((arg) => arg !== '--sandbox-latency' && arg !== '40'),
      '--json',
    ]);
    expect(rest.code).toBe(0);
    expect((await readStore(store)).messages.size).toBe(550);
  });

  it('syncs into PostgreSQL', async () => {
    const store = await freshStoreUrl('postgres');
    const result = await run([
      'sync',
      '--sandbox',
      '--source',
      'chats-v1',
      '--store',
      store,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      sources: [{ source: 'chats-v1', account: 'sandbox' }],
    });
  });

  it('exits 2 with one line for bad usage, before any request', async () => {
    for (const args of [
      ['sync', '--sandbox', '--store', join(dir, 'missing', 'x.duckdb')],
      ['sync', '--sandbox', '--out', 'x.ndjson'],
      ['sync', '--sandbox', '--store', 'mysql://host/db'],
      ['sync', '--bogus'],
      ['sync', '--store', join(dir, 'none.duckdb')],
      // Given twice, a value option kept its last value without a word.
      [
        'sync',
        '--sandbox',
        '--source',
        'okchat',
        '--source',
        'intercom',
        '--store',
        join(dir, 'a.duckdb'),
      ],
      ['sync', '--sandbox', '--store', join(dir, 'a.duckdb'), `--store=${join(dir, 'b.duckdb')}`],
      ['sync', '--sandbox', '--store', ' postgres://alice:s3cretPW@127.0.0.1:1/db'],
      ['sync', '--sandbox', '--store', 'jdbc:postgresql://alice:s3cretPW@127.0.0.1:1/db'],
      ['sync', '--sandbox', '--sandbox-conversations', '99999999999'],
      ['sync', '--sandbox', '--sandbox-messages', '10001'],
      ['sync', '--sandbox', '--sandbox-latency', '2147483648'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toContain('s3cretPW');
    }
    expect(readdirSync(dir).filter((name) => /^[ab]\.duckdb/.test(name))).toEqual([]);
    const twice = ['--source', 'okchat', '--source', 'intercom', '--store', join(dir, 'a.duckdb')];
    expect((await run(['sync', '--sandbox', ...twice])).stderr).toContain(
      '--source is given more than once; give it once',
    );
    const help = await run(['sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--store <PATH|postgres://...>');
    expect(help.stdout).not.toContain('--out');
  });

  it('prints a store path with control characters on one summary line, escaped', async () => {
    const store = join(dir, 'odd\u001b[2J\nname.duckdb');
    const result = await run(['sync', '--sandbox', '--store', store]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('\u001b');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^synced .* into .*odd.*name\.duckdb in /);
    expect(lines.slice(1).every((line) => line.startsWith('  '))).toBe(true);
  });

  it('exits 1 with one line when the JSON report cannot be written (a full disk), the store committed', async () => {
    const store = join(dir, 'full-disk.duckdb');
    const stdout = new Writable({
      write(_chunk, _encoding, done) {
        done(
          Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
        );
      },
    });
    const stderr = capture(false);
    const code = await runCli(['sync', '--sandbox', '--json', '--quiet', '--store', store], {
      stdout,
      stderr: stderr.stream,
      env: {},
    });
    expect([code, stderr.text().trim()]).toEqual([
      1,
      'chat-history-kit: ENOSPC: no space left on device, write',
    ]);
    const stored = await readStore(store);
    expect([stored.conversations.size, stored.messages.size]).toEqual([80, 1151]);
  });

  describe('with one vendor refusing its key', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox();
    });
    afterAll(async () => {
      await sandbox.close();
    });

    it('exits 1 with the code, never the key, and commits the other vendors', async () => {
      const store = join(dir, 'partial.duckdb');
      const wrongKey = 'sk-wrong-key-0123456789abcdef';
      const result = await run(['sync', '--store', store], {
        OKCHAT_API_KEY: wrongKey,
        OKCHAT_CHATBOT_ID: sandbox.okchat.emulator.chatbotId,
        OKCHAT_BASE_URL: sandbox.okchat.url,
        CHATS_V1_API_KEY: sandbox.chatsV1.emulator.apiKey,
        CHATS_V1_BASE_URL: sandbox.chatsV1.url,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^chat-history-kit: unauthorized: /m);
      expect(result.stderr).not.toContain(wrongKey.slice(3, 15));
      const stored = await readStore(store);
      const sources = new Set([...stored.messages.values()].map((row) => row.record.source));
      expect([...sources]).toEqual(['chats-v1']);
      expect(stored.messages.size).toBe(sandbox.chatsV1.emulator.totalMessages());
    });
  });
});
