import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationSchema, MessageSchema } from '../../src/index.js';
import { caught } from '../helpers/caught.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the package, so `chat-history-kit/provider` resolves to the built package (dist/).
const WORK = join(ROOT, 'node_modules/.cache/chat-history-kit-docs');
const GUIDE = join(ROOT, 'docs/adding-a-vendor.md');
const TOKEN = 'acme-token-7f3a9c1e5b';

/** The guide's code block, as a module of its own. */
function guideModule(): string {
  const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)];
  expect(blocks).toHaveLength(1);
  const file = join(WORK, 'acme-source.ts');
  mkdirSync(WORK, { recursive: true });
  writeFileSync(file, blocks[0]?.[1] ?? '');
  return file;
}

interface AcmeModule {
  createAcmeSource(
    options: Record<string, unknown>,
  ): import('../../src/index.js').ChatHistorySource;
}

/** Acme as the guide describes it: cursor pages of `limit` items under a workspace. */
function acmeHandler(threads: number, messages: number) {
  const threadIds = Array.from({ length: threads }, (_, index) => `t${index}`);
  const messageIds = Array.from({ length: messages }, (_, index) => `m${index}`);
  return (
    request: import('node:http').IncomingMessage,
    response: import('node:http').ServerResponse,
  ) => {
    const url = new URL(request.url ?? '/', 'http://acme');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      return reply(401, { error: `bad token ${request.headers.authorization ?? ''}` });
    }
    const limit = Number(url.searchParams.get('limit'));
    const after = url.searchParams.get('after');
    const page = (ids: string[], item: (id: string, index: number) => unknown) => {
      const start = after === null ? 0 : ids.indexOf(after) + 1;
      const slice = ids.slice(start, start + limit);
      const last = slice.at(-1);
      return reply(200, {
        items: slice.map((id) => item(id, ids.indexOf(id))),
        next_cursor: start + limit < ids.length ? last : null,
      });
    };
    if (url.pathname === '/v2/my%20team/threads') {
      return page(threadIds, (id, index) => ({
        id,
        created: 1_700_000_000 + index,
        updated: '2024-05-01T10:00:00.5+02:00',
        tags: { vip: index === 0 },
      }));
    }
    const match = /^\/v2\/my%20team\/threads\/([^/]+)\/messages$/.exec(url.pathname);
    if (match) {
      return page(messageIds, (id, index) => ({
        id,
        author: (['customer', 'bot', 'human'] as const)[index % 3],
        body: index === 4 ? null : `text ${index}`,
        sent: `2024-05-01T10:00:${String(index).padStart(2, '0')}Z`,
      }));
    }
    return reply(404, { error: 'no such path' });
  };
}

describe('docs/adding-a-vendor.md', () => {
  let file: string;
  let server: LoopbackServer;
  let acme: AcmeModule;

  beforeAll(async () => {
    file = guideModule();
    server = await startLoopbackServer(acmeHandler(5, 7));
    acme = (await import(pathToFileURL(file).href)) as AcmeModule;
  });
  afterAll(() => server.close());

  it.each([
    ['NodeNext', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])(
    'compiles under strict with moduleResolution %s against the built package',
    async (_, flags) => {
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      const args = [
        tsc,
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--types',
        'node',
        ...flags,
        file,
      ];
      const result = await run(process.execPath, args, { cwd: ROOT }).catch(
        (error: { stdout?: string; stderr?: string }) => error,
      );
      expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
    },
    60_000,
  );

  it('lists every thread and message across cursor pages, in the canonical shape', async () => {
    const source = acme.createAcmeSource({
      token: TOKEN,
      workspace: 'my team',
      baseURL: server.url,
      pageSize: 2,
    });
    expect(source.id).toBe('acme');
    expect(source.account).toBe('my team');
    expect(source.capabilities).toMatchObject({ listConversations: true, prefetchPages: false });
    const threads = await source.listConversations().toArray();
    expect(threads.map((thread) => thread.id)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    for (const thread of threads) expect(ConversationSchema.parse(thread)).toEqual(thread);
    expect(threads[0]).toMatchObject({
      source: 'acme',
      account: 'my team',
      createdAt: '2023-11-14T22:13:20.000000Z',
      updatedAt: '2024-05-01T08:00:00.500000Z',
      metadata: { vip: true },
    });
    const messages = await source.listMessages('t/1').toArray();
    expect(messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'agent',
      'user',
      'assistant',
      'agent',
      'user',
    ]);
    for (const message of messages) expect(MessageSchema.parse(message)).toEqual(message);
    expect(messages[4]?.text).toBe('');
    expect(server.requests.some((request) => request.url.includes('/threads/t%2F1/messages'))).toBe(
      true,
    );
  });

  it('checks options at creation and keeps the token out of errors', async () => {
    expect(() => acme.createAcmeSource({ workspace: 'w' })).toThrow(
      /token is required \(the Acme API token\)/,
    );
    expect(() => acme.createAcmeSource({ token: TOKEN, workspace: '..' })).toThrow(
      'workspace cannot be ".."',
    );
    const wrong = acme.createAcmeSource({
      token: `${TOKEN}x`,
      workspace: 'my team',
      baseURL: server.url,
    });
    const error = await caught(wrong.listConversations().toArray());
    expect(error.code).toBe('unauthorized');
    expect(JSON.stringify({ ...error.toJSON(), stack: error.stack })).not.toContain(
      TOKEN.slice(0, 8),
    );
  });
});
