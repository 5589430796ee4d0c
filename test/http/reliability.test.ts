import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  createChatsV1Source,
  createOkChatSource,
  exportHistory,
  type InvalidRecord,
  type Message,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/testing/index.js';
import { caught } from '../helpers/caught.js';

const RETRY = { retries: 4, baseDelayMs: 1, maxDelayMs: 10 };

describe('faults over loopback: every message exactly once, in order', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    const faults = { rate: 0.25, firstAttemptsOnly: true, retryAfterSeconds: 0 } as const;
    sandbox = await startSandbox({
      okchat: {
        conversations: 20,
        seed: 11,
        latencyMs: { min: 0, max: 4 },
        maxPageSize: 6,
        faults,
      },
      chatsV1: {
        chats: 10,
        seed: 11,
        latencyMs: { min: 0, max: 4 },
        faults,
        reportTotal: (truth) => truth + 9,
      },
    });
  });
  afterAll(() => sandbox.close());

  it.each([1, 8])(
    'both vendors at concurrency %i with 25% of first attempts failing',
    async (concurrency) => {
      sandbox.okchat.emulator.reset();
      sandbox.chatsV1.emulator.reset();
      const okchat = createOkChatSource({
        apiKey: sandbox.okchat.emulator.apiKey,
        chatbotId: sandbox.okchat.emulator.chatbotId,
        baseURL: sandbox.okchat.url,
        retry: RETRY,
      });
      const chats = createChatsV1Source({
        apiKey: sandbox.chatsV1.emulator.apiKey,
        baseURL: sandbox.chatsV1.url,
        retry: RETRY,
      });
      const exported = async (source: typeof okchat) => {
        const ids: string[] = [];
        for await (const { messages } of exportHistory(source, { concurrency, pageSize: 4 })) {
          for (const message of messages) ids.push(message.id);
        }
        return ids;
      };
      const okchatEmulator = sandbox.okchat.emulator;
      const chatsEmulator = sandbox.chatsV1.emulator;
      expect(await exported(okchat)).toEqual(
        okchatEmulator
          .conversations()
          .flatMap((c) => okchatEmulator.messages(String(c.id)).map((m) => m.id)),
      );
      expect(await exported(chats)).toEqual(
        chatsEmulator.chats().flatMap((c) => chatsEmulator.messages(String(c.id)).map((m) => m.id)),
      );
      // The faults really happened: 500, 502, 503, 429 and cut connections.
      expect(okchatEmulator.stats.faults + chatsEmulator.stats.faults).toBeGreaterThan(10);
    },
  );
});

describe('retries exhausted, then resume', () => {
  it('a typed, retryable error naming the page, and startAt from its cursor loses nothing', async () => {
    let broken = true;
    const sandbox = await startSandbox({
      okchat: {
        conversations: 2,
        messagesPerConversation: 40,
        faults: {
          pattern: ({ url }) =>
            broken && url.searchParams.get('page') === '3' && url.pathname.endsWith('/messages')
              ? '503'
              : null,
        },
      },
    });
    try {
      const emulator = sandbox.okchat.emulator;
      const source = createOkChatSource({
        apiKey: emulator.apiKey,
        chatbotId: emulator.chatbotId,
        baseURL: sandbox.okchat.url,
        retry: { retries: 2, baseDelayMs: 1 },
      });
      const id = String(emulator.conversations()[0]?.id);
      const seen: Message[] = [];
      const error = await caught(
        (async () => {
          for await (const message of source.listMessages(id, { pageSize: 10, concurrency: 4 }))
            seen.push(message);
        })(),
      );
      expect(error.code).toBe('server_error');
      expect(error.retryable).toBe(true);
      expect(error.attempts).toBe(3);
      expect(error.cursor).toEqual({ page: 3, limit: 10 });
      expect(seen).toHaveLength(20);
      broken = false;
      const rest = await source.listMessages(id, { startAt: error.cursor ?? {} }).toArray();
      expect([...seen, ...rest].map((m) => m.id)).toEqual(emulator.messages(id).map((m) => m.id));
    } finally {
      await sandbox.close();
    }
  });

  it('a response slower than the timeout is retried and the listing completes', async () => {
    const sandbox = await startSandbox({
      chatsV1: {
        chats: 1,
        messagesPerChat: 30,
        faults: {
          pattern: ({ attempt, index }) => (attempt === 0 && index % 2 === 1 ? 'slow' : null),
          slowMs: 2_000,
        },
      },
    });
    try {
      const emulator = sandbox.chatsV1.emulator;
      const source = createChatsV1Source({
        apiKey: emulator.apiKey,
        baseURL: sandbox.chatsV1.url,
        timeout: 100,
        retry: RETRY,
      });
      const id = String(emulator.chats()[0]?.id);
      const messages = await source.listMessages(id, { pageSize: 10 }).toArray();
      expect(messages.map((m) => m.id)).toEqual(emulator.messages(id).map((m) => m.id));
      expect(emulator.stats.faults).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });
});

/** A source whose every response is `body` (as JSON text), for feeding it arbitrary data. */
function answering(body: unknown) {
  const text = JSON.stringify(body) ?? 'null';
  return createChatsV1Source({
    apiKey: 'k',
    baseURL: 'https://chats.test',
    retry: false,
    fetch: async () =>
      new Response(text, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
}

describe('bad vendor data', () => {
  it('__proto__ and constructor keys in metadata stay plain data and pollute nothing', async () => {
    const text = `{"messages":[{"id":"m1","content":"hi","sender_role":"user","media_type":null,"media_url":null,"created_at":"2024-01-15T10:30:00Z","metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"model":"gpt-4"}}],"total":1,"has_more":false}`;
    const source = createChatsV1Source({
      apiKey: 'k',
      baseURL: 'https://chats.test',
      fetch: async () => new Response(text, { status: 200 }),
    });
    const [message] = await source.listMessages('c').toArray();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(message?.metadata)).toBe(Object.prototype);
    expect(Object.keys(message?.metadata ?? {}).sort()).toEqual(['__proto__', 'constructor']);
    expect(message?.model).toBe('gpt-4');
    // The key survives serialization as data: nothing the vendor sent is lost.
    expect(JSON.stringify(message?.metadata)).toContain('"__proto__":{"polluted":true}');
  });

  it('a huge text and an impossible date: the first maps, the second is an invalid record', async () => {
    const huge = 'x'.repeat(5_000_000);
    const source = answering({
      messages: [
        { id: 'a', content: huge, sender_role: 'assistant', created_at: '2024-01-15T10:30:00Z' },
        { id: 'b', content: 'hi', sender_role: 'user', created_at: '2024-02-30T10:30:00Z' },
        { id: 'c', content: 'ok', sender_role: 'robot', created_at: '2024-01-15T10:31:00Z' },
      ],
      has_more: false,
    });
    const reports: InvalidRecord[] = [];
    const messages = await source
      .listMessages('c', { onInvalidRecord: (r) => reports.push(r) })
      .toArray();
    expect(messages.map((m) => [m.id, m.text.length, m.role])).toEqual([
      ['a', 5_000_000, 'assistant'],
      ['c', 2, 'unknown'],
    ]);
    expect(reports.map((r) => [r.id, r.issues[0]?.path])).toEqual([['b', ['created_at']]]);
  });

  it('fuzz: any JSON body gives records or a ChatHistoryError, never another error', async () => {
    const record = fc.dictionary(
      fc.constantFrom(
        'id',
        'content',
        'sender_role',
        'media_type',
        'media_url',
        'created_at',
        'metadata',
        '__proto__',
      ),
      fc.oneof(fc.jsonValue(), fc.constant('2024-01-15T10:30:00Z'), fc.string()),
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        messages: fc.array(fc.oneof(record, fc.jsonValue()), { maxLength: 5 }),
        has_more: fc.constant(false),
        total: fc.jsonValue(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (payload, withHandler) => {
        const source = answering(payload);
        try {
          const options = withHandler ? { onInvalidRecord: () => undefined } : {};
          const messages = await source.listMessages('c', options).toArray();
          for (const message of messages) expect(typeof message.id).toBe('string');
        } catch (error) {
          expect(ChatHistoryError.is(error)).toBe(true);
          expect((error as ChatHistoryError).code).toBe('invalid_response');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('bad caller input', () => {
  it.each(['a/b', '../admin', 'x?y=1', 'x#y', 'with space', '%2e%2e'])(
    'the id %j stays one path segment on the same host',
    async (id) => {
      const urls: string[] = [];
      const source = createOkChatSource({
        apiKey: 'k',
        chatbotId: 'bot',
        baseURL: 'https://okchat.test/base',
        fetch: async (input) => {
          urls.push(String(input instanceof Request ? input.url : input));
          return Response.json({ data: [], metadata: { totalPages: 0 } });
        },
      });
      await source.listMessages(id).toArray();
      const url = new URL(urls[0] ?? '');
      expect(url.host).toBe('okchat.test');
      expect(url.pathname).toBe(
        `/base/api/external/chatbot/bot/conversations/${encodeURIComponent(id)}/messages`,
      );
    },
  );
});
