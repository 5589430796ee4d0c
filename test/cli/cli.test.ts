import { symlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversationSchema, MessageSchema, VERSION } from '../../src/index.js';
import { LOSS_REASONS, toOpenAIChatMessages } from '../../src/interop/index.js';
import {
  createChatsV1Emulator,
  createIntercomEmulator,
  createOkChatEmulator,
  type Sandbox,
  startSandbox,
} from '../../src/testing/index.js';
import { runBuiltCli } from '../helpers/run-command.js';

const ConversationLineSchema = ConversationSchema.extend({ messages: z.array(MessageSchema) });

const run = runBuiltCli;

function lines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chk-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('export --sandbox', () => {
  // The sandbox's default data: same seed, same data.
  const okchat = createOkChatEmulator();
  const chatsV1 = createChatsV1Emulator();
  const intercom = createIntercomEmulator();

  it('writes every message of every vendor as NDJSON to --out, and a summary on stderr', async () => {
    const out = join(dir, 'sandbox-export.ndjson');
    const result = await run(['export', '--sandbox', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const records = lines(await readFile(out, 'utf8'));
    const messages = records.map((record) => MessageSchema.parse(record));
    const expected = okchat.totalMessages() + chatsV1.totalMessages() + intercom.totalMessages();
    expect(messages).toHaveLength(expected);
    expect(messages.filter((m) => m.source === 'okchat')).toHaveLength(okchat.totalMessages());
    expect(messages.filter((m) => m.source === 'intercom')).toHaveLength(intercom.totalMessages());
    expect(new Set(messages.map((m) => m.id)).size).toBe(expected);
    const conversations =
      okchat.conversations().length + chatsV1.chats().length + intercom.conversations().length;
    expect(result.stderr).toMatch(
      new RegExp(
        `^exported ${expected.toLocaleString('en-US')} messages from ${conversations} conversations \\(okchat 40/${okchat.totalMessages()}, chats-v1 20/${chatsV1.totalMessages()}, intercom 20/${intercom.totalMessages()}\\) in [\\d.]+ s to ${out.replaceAll('.', '\\.')}\\n$`,
      ),
    );
  });

  it('--format conversations writes one conversation per line with its messages, on stdout only', async () => {
    const result = await run([
      'export',
      '--sandbox',
      '--source',
      'okchat',
      '--format',
      'conversations',
    ]);
    expect(result.code).toBe(0);
    const conversations = lines(result.stdout).map((record) =>
      ConversationLineSchema.parse(record),
    );
    expect(conversations.map((c) => c.id)).toEqual(okchat.conversations().map((c) => c.id));
    for (const conversation of conversations) {
      expect(conversation.messages.map((m) => m.id)).toEqual(
        okchat.messages(conversation.id).map((m) => m.id),
      );
    }
    expect(result.stderr).toMatch(
      /^exported \d+ messages from 40 conversations \(okchat 40\/\d+\)/,
    );
  });

  it('--format openai-jsonl writes one {"messages"} line per conversation, in export order, and counts losses by reason', async () => {
    const [jsonl, whole] = await Promise.all([
      run(['export', '--sandbox', '--format', 'openai-jsonl']),
      run(['export', '--sandbox', '--format', 'conversations']),
    ]);
    expect(jsonl.code).toBe(0);
    const expected: unknown[] = [];
    const losses = new Map<string, number>();
    for (const record of lines(whole.stdout)) {
      const { messages } = ConversationLineSchema.parse(record);
      const converted = toOpenAIChatMessages(messages, {
        onLoss: (loss) => losses.set(loss.reason, (losses.get(loss.reason) ?? 0) + 1),
      });
      if (converted.length > 0) expected.push({ messages: converted });
    }
    expect(lines(jsonl.stdout)).toEqual(expected);
    expect(losses.size).toBeGreaterThan(0);
    const counted = LOSS_REASONS.filter((reason) => losses.has(reason)).map(
      (reason) => `${reason} ${losses.get(reason)}`,
    );
    const [summary, left] = jsonl.stderr.trimEnd().split('\n');
    const written = expected.reduce<number>(
      (sum, line) => sum + (line as { messages: unknown[] }).messages.length,
      0,
    );
    expect(summary).toMatch(
      new RegExp(
        `^exported ${written.toLocaleString('en-US')} messages from ${expected.length} conversations`,
      ),
    );
    expect(left).toBe(
      `chat-history-kit: openai-jsonl left out what OpenAI messages cannot carry: ${counted.join(', ')} (see docs/interop.md)`,
    );
  });

  it('--max-conversations and --state limit the export', async () => {
    const result = await run([
      'export',
      '--sandbox',
      '--source',
      'okchat',
      '--state',
      'closed',
      '--max-conversations',
      '3',
      '--format',
      'conversations',
      '--quiet',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const conversations = lines(result.stdout).map((record) =>
      ConversationLineSchema.parse(record),
    );
    const closed = okchat
      .conversations()
      .filter((c) => c.state === 'closed')
      .slice(0, 3);
    expect(conversations.map((c) => c.id)).toEqual(closed.map((c) => c.id));
  });
});

describe('export against emulators served over loopback', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      okchat: {
        conversations: 12,
        seed: 42,
        maxPageSize: 7,
        faults: { rate: 0.2, firstAttemptsOnly: true, retryAfterSeconds: 0, kinds: ['503', '429'] },
      },
      chatsV1: { chats: 6, seed: 42, reportTotal: (truth) => truth * 2 },
      intercom: {
        conversations: 5,
        seed: 42,
        faults: { rate: 0.3, firstAttemptsOnly: true, retryAfterSeconds: 0, kinds: ['503'] },
      },
    });
  });
  afterAll(() => sandbox.close());

  const credentials = () => ({
    OKCHAT_API_KEY: sandbox.okchat.emulator.apiKey,
    OKCHAT_CHATBOT_ID: sandbox.okchat.emulator.chatbotId,
    OKCHAT_BASE_URL: sandbox.okchat.url,
    CHATS_V1_API_KEY: sandbox.chatsV1.emulator.apiKey,
    CHATS_V1_BASE_URL: sandbox.chatsV1.url,
    INTERCOM_ACCESS_TOKEN: sandbox.intercom.emulator.accessToken,
    INTERCOM_BASE_URL: sandbox.intercom.url,
  });

  it('reads credentials from the environment and exports every vendor, faults and all', async () => {
    const result = await run(['export', '--concurrency', '8', '--page-size', '5'], credentials());
    expect(result.code).toBe(0);
    const messages = lines(result.stdout).map((record) => MessageSchema.parse(record));
    const okchatIds = sandbox.okchat.emulator
      .conversations()
      .flatMap((c) => sandbox.okchat.emulator.messages(String(c.id)).map((m) => m.id));
    const chatsIds = sandbox.chatsV1.emulator
      .chats()
      .flatMap((c) => sandbox.chatsV1.emulator.messages(String(c.id)).map((m) => m.id));
    const intercomIds = sandbox.intercom.emulator
      .conversations()
      .flatMap((c) => sandbox.intercom.emulator.messages(String(c.id)).map((m) => String(m.id)));
    expect(messages.map((m) => m.id)).toEqual([...okchatIds, ...chatsIds, ...intercomIds]);
    expect(messages.filter((m) => m.source === 'intercom')).toHaveLength(intercomIds.length);
    expect(sandbox.okchat.emulator.stats.faults).toBeGreaterThan(0);
  });

  it('flags take precedence over the environment', async () => {
    const env = { ...credentials(), OKCHAT_API_KEY: 'stale-key' };
    const result = await run(
      [
        'export',
        '--source',
        'okchat',
        '--okchat-api-key',
        sandbox.okchat.emulator.apiKey,
        '--quiet',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(sandbox.okchat.emulator.totalMessages());
  });

  it('a wrong key: exit 1, one line with the code and what to do, and the key is never printed', async () => {
    const key = 'wrong-key-3f9a8b7c6d';
    const result = await run(['export', '--source', 'okchat'], {
      ...credentials(),
      OKCHAT_API_KEY: key,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const errorLines = result.stderr.trim().split('\n');
    expect(errorLines.at(-1)).toBe(
      `chat-history-kit: unauthorized: GET /api/external/chatbot/${sandbox.okchat.emulator.chatbotId}/conversations -> 401 unauthorized (okchat): Invalid API key. Fix: check the OkChat API key (OKCHAT_API_KEY or --okchat-api-key)`,
    );
    expect(result.stderr).not.toContain(key);
  });

  it('--debug adds the stack and details, still without the key', async () => {
    const key = 'wrong-key-debug-77aa';
    const result = await run(['export', '--source', 'chats-v1', '--debug'], {
      ...credentials(),
      CHATS_V1_API_KEY: key,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"code": "unauthorized"');
    expect(result.stderr).toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain(key);
  });
});

describe('usage', () => {
  it.each([
    [
      [],
      'no credentials: set OKCHAT_API_KEY and OKCHAT_CHATBOT_ID, or CHATS_V1_API_KEY and CHATS_V1_BASE_URL, or INTERCOM_ACCESS_TOKEN (or try --sandbox)',
      {},
    ],
    [
      ['--source', 'okchat'],
      'missing OkChat API key: pass --okchat-api-key or set OKCHAT_API_KEY',
      {},
    ],
    [
      ['--source', 'okchat'],
      'missing OkChat chatbot id: pass --okchat-chatbot-id or set OKCHAT_CHATBOT_ID',
      { OKCHAT_API_KEY: 'k' },
    ],
    [
      ['--source', 'chats-v1'],
      'missing Chats v1 base URL: pass --chats-v1-base-url or set CHATS_V1_BASE_URL',
      { CHATS_V1_API_KEY: 'k' },
    ],
    [
      [],
      'missing Chats v1 API key: pass --chats-v1-api-key or set CHATS_V1_API_KEY',
      { CHATS_V1_BASE_URL: 'http://127.0.0.1:9' },
    ],
    [
      ['--source', 'chats-v1'],
      'baseURL must use http or https, got "ftp:"',
      { CHATS_V1_API_KEY: 'k', CHATS_V1_BASE_URL: 'ftp://x' },
    ],
    [
      ['--source', 'slack', '--sandbox'],
      '--source must be okchat, chats-v1, intercom or all, got "slack"',
      {},
    ],
    [
      ['--sandbox', '--source', 'chats-v1', '--state', 'open'],
      '--state filters OkChat conversations only; Chats v1 has no states',
      {},
    ],
  ])('export %j: exit 2 and one line', async (args, message, env) => {
    const result = await run(['export', ...args], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`chat-history-kit: ${message}\n`);
  });

  it.each([
    [['--concurrency', '0'], /--concurrency must be a whole number from 1 to 64, got "0"/],
    [['--format', 'csv'], /--format must be messages, conversations, openai-jsonl/],
    [['--bogus'], /^chat-history-kit: unknown option "--bogus"\. Run /],
    [['--out'], /^chat-history-kit: --out needs a value\. Run /],
    [['--quiet=yes'], /^chat-history-kit: --quiet takes no value\. Run /],
    [['-x'], /^chat-history-kit: unknown option "-x"\. Run /],
    [
      ['--out', '-x'],
      /^chat-history-kit: --out needs a value \(for one starting with "-", write --out=-value\)\. Run /,
    ],
  ])('export %j is a usage error', async (args, message) => {
    const result = await run(['export', '--sandbox', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // Quotes balance: every one opened is closed.
    expect((result.stderr.match(/"/g) ?? []).length % 2).toBe(0);
    expect((result.stderr.match(/'/g) ?? []).length % 2).toBe(0);
  });

  it('a bare chat-history-kit is a usage error: the help on stderr, exit 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^chat-history-kit: a command is needed\n\nUsage: chat-history-kit <command>/,
    );
  });

  it('-h works wherever --help does, printing the same', async () => {
    for (const args of [['--help'], ['export', '--help'], ['export', '--sandbox', '--help']]) {
      const long = await run(args);
      const short = await run(args.map((arg) => (arg === '--help' ? '-h' : arg)));
      expect(short).toEqual(long);
      expect(short.code).toBe(0);
      expect(short.stdout).toMatch(/^Usage: chat-history-kit/);
    }
  });

  it.each([
    [
      'a missing folder (not created)',
      (base: string) => join(base, 'missing', 'out.ndjson'),
      /the folder .* does not exist \(create it first\)/,
    ],
    ['a folder', (base: string) => base, /is a folder: give a file path in it/],
    [
      'a path under a file',
      (base: string) => join(base, 'file.txt', 'out.ndjson'),
      /is under a file, not a folder/,
    ],
    [
      // Passes the path checks; opening it is what fails.
      'a link into a folder that does not exist',
      (base: string) => {
        symlinkSync(join(base, 'gone', 'out.ndjson'), join(base, 'link.ndjson'));
        return join(base, 'link.ndjson');
      },
      /cannot be written: its folder does not exist/,
    ],
    [
      'a folder named with a trailing slash',
      (base: string) => `${join(base, 'new')}/`,
      /is a folder: give a file path in it/,
    ],
  ])(
    '--out to %s fails before any request: exit 2, one line, nothing on stdout',
    async (_, path, message) => {
      const base = await mkdtemp(join(dir, 'out-'));
      await writeFile(join(base, 'file.txt'), 'x');
      const sandbox = await startSandbox({ okchat: { conversations: 2 } });
      try {
        const result = await run(['export', '--source', 'okchat', '--out', path(base)], {
          OKCHAT_API_KEY: sandbox.okchat.emulator.apiKey,
          OKCHAT_CHATBOT_ID: sandbox.okchat.emulator.chatbotId,
          OKCHAT_BASE_URL: sandbox.okchat.url,
        });
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(sandbox.okchat.emulator.stats.requests).toBe(0);
        await expect(stat(join(base, 'missing'))).rejects.toThrow();
      } finally {
        await sandbox.close();
      }
    },
  );

  it('an output that fails mid-export (a full disk) claims nothing was written that was not', async () => {
    const result = await run(['export', '--sandbox', '--source', 'okchat', '--out', '/dev/full']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stopped: the output \/dev\/full could not be written\n/);
    expect(result.stderr).not.toMatch(/stopped after/);
    expect(result.stderr).toMatch(/ENOSPC/);
  });

  it('--no-raw leaves the vendor originals out', async () => {
    const result = await run([
      'export',
      '--sandbox',
      '--source',
      'intercom',
      '--no-raw',
      '--quiet',
    ]);
    expect(result.code).toBe(0);
    const records = lines(result.stdout);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record).not.toHaveProperty('raw');
    const withRaw = lines(
      (await run(['export', '--sandbox', '--source', 'intercom', '--quiet'])).stdout,
    );
    for (const record of withRaw) expect(record).toHaveProperty('raw');
  });

  it('--help lists the command and every option; --version prints the version', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('export    Export conversation history as NDJSON');
    const help = await run(['export', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--source',
      '--sandbox',
      '--state',
      '--format',
      '--out',
      '--concurrency',
      '--max-conversations',
      '--okchat-api-key',
      '--chats-v1-base-url',
      '--debug',
    ]) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('[env OKCHAT_API_KEY]');
    const version = await run(['--version']);
    expect(version.stdout).toBe(`${VERSION}\n`);
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});
