import type { JsonBodyType } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  type ChatsV1SourceOptions,
  ConversationSchema,
  createChatsV1Source,
  type Message,
  MessageSchema,
  normalizeTimestamp,
} from '../../src/index.js';
import { type ChatsV1EmulatorOptions, createChatsV1Emulator } from '../../src/testing/index.js';
import seed from '../fixtures/chats-v1-messages.json' with { type: 'json' };
import { caught } from '../helpers/caught.js';
import { vendorHarness } from '../helpers/vendor-harness.js';

const CHATS_V1_BASE = 'https://chats.test';
const CHATS_V1_KEY = 'cv1-key-5b0e2c7d9a41f386';

const harness = vendorHarness(CHATS_V1_BASE);
const { server } = harness;

/** The Chats v1 emulator, answering through msw; `chat` is its first chat's id. */
function emulate(options: ChatsV1EmulatorOptions = {}) {
  const emulator = harness.emulate(createChatsV1Emulator({ apiKey: CHATS_V1_KEY, ...options }));
  return Object.assign(emulator, { chat: String(emulator.chats()[0]?.id) });
}

function v1(overrides: Partial<ChatsV1SourceOptions> = {}) {
  return createChatsV1Source({
    apiKey: CHATS_V1_KEY,
    baseURL: CHATS_V1_BASE,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

/** Serves a recorded messages page verbatim for any chat. */
const replay = (body: Record<string, unknown>) =>
  harness.replay('/api/v1/chats/:chat/messages', body as JsonBodyType);

describe('chats-v1: seed example, field by field', () => {
  it.each([1, 4])(
    'total 15 with 4 messages and has_more false: exactly 4 messages, one request (concurrency %i)',
    async (concurrency) => {
      const requests = replay(seed);
      const messages = await v1().listMessages('chat-123', { concurrency }).toArray();
      expect(messages).toHaveLength(4);
      expect(requests).toHaveLength(1);
      const url = new URL(requests[0]?.url ?? '');
      expect(url.pathname).toBe('/api/v1/chats/chat-123/messages');
      expect(Object.fromEntries(url.searchParams)).toEqual({ offset: '0', limit: '50' });
      expect(requests[0]?.headers.get('x-api-key')).toBe(CHATS_V1_KEY);
    },
  );

  it('maps every field', async () => {
    replay(seed);
    const messages = await v1().listMessages('chat-123').toArray();
    messages.forEach((message, index) => {
      expect(MessageSchema.parse(message)).toEqual(message);
      expect(message.raw).toEqual(seed.messages[index]);
    });
    const expected: Message[] = [
      {
        id: 'msg-a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        conversationId: 'chat-123',
        source: 'chats-v1',
        account: 'chats.test',
        role: 'user',
        text: 'Hello, I need help with my account',
        attachments: [],
        createdAt: '2024-01-15T10:30:00.000000Z',
        model: null,
        provider: null,
        usage: null,
        toolCalls: [],
        toolResults: [],
        metadata: { user_agent: 'Mozilla/5.0...' },
        raw: seed.messages[0],
      },
      {
        id: 'msg-b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
        conversationId: 'chat-123',
        source: 'chats-v1',
        account: 'chats.test',
        role: 'assistant',
        text: "I'd be happy to help you with your account! What specific issue are you experiencing?",
        attachments: [],
        createdAt: '2024-01-15T10:30:05.000000Z',
        model: 'gpt-4',
        provider: null,
        usage: { totalTokens: 87 },
        toolCalls: [],
        toolResults: [],
        metadata: {},
        raw: seed.messages[1],
      },
    ];
    expect(messages.slice(0, 2)).toEqual(expected);
    expect(messages[2]?.metadata).toEqual({});
    expect(messages[3]?.usage).toEqual({ totalTokens: 124 });
  });

  it.each([
    [
      'image',
      'https://cdn.test/uploads/photo.png',
      { name: 'photo.png', mediaType: 'image/png', kind: 'image' },
    ],
    ['image', 'https://cdn.test/blob/7f3a', { name: '7f3a', mediaType: null, kind: 'image' }],
    ['image/webp', 'https://cdn.test/x', { name: 'x', mediaType: 'image/webp', kind: 'image' }],
    [
      'audio',
      'https://cdn.test/v/note%201.ogg?sig=abc',
      { name: 'note 1.ogg', mediaType: 'audio/ogg', kind: 'audio' },
    ],
    [
      null,
      'https://cdn.test/docs/terms.pdf',
      { name: 'terms.pdf', mediaType: 'application/pdf', kind: 'document' },
    ],
    [
      'application/pdf',
      'https://cdn.test/',
      { name: null, mediaType: 'application/pdf', kind: 'document' },
    ],
    // A host is no file name: "photos.png" here is a domain.
    [null, 'https://photos.png', { name: null, mediaType: null, kind: 'file' }],
    [null, 'https://cdn.test/a%2Epng', { name: 'a.png', mediaType: 'image/png', kind: 'image' }],
    [
      null,
      'https://cdn.test/photo%231.jpg',
      { name: 'photo#1.jpg', mediaType: 'image/jpeg', kind: 'image' },
    ],
    [
      'document',
      'https://cdn.test/report%3Fv2.pdf',
      { name: 'report?v2.pdf', mediaType: 'application/pdf', kind: 'document' },
    ],
  ])(
    'media_type %j with media_url %s becomes one attachment',
    async (mediaType, mediaUrl, expected) => {
      const record = { ...seed.messages[0], media_type: mediaType, media_url: mediaUrl };
      replay({ ...seed, messages: [record] });
      const [message] = await v1().listMessages('chat-1').toArray();
      expect(message?.attachments).toEqual([{ url: mediaUrl, ...expected }]);
    },
  );

  it.each([
    ['system', 'system'],
    ['tool', 'tool'],
    ['agent', 'agent'],
    ['human', 'agent'],
    ['operator', 'agent'],
    ['Assistant', 'assistant'],
    ['moderator', 'unknown'],
  ])('sender_role %s -> %s', async (senderRole, role) => {
    replay({ ...seed, messages: [{ ...seed.messages[0], sender_role: senderRole }] });
    const [message] = await v1().listMessages('chat-1').toArray();
    expect(message?.role).toBe(role);
  });

  it('metadata fields of unexpected types stay in metadata', async () => {
    const record = {
      ...seed.messages[1],
      metadata: { model: 4, tokens_used: 'many', provider: 'openai', trace: 'x' },
    };
    replay({ ...seed, messages: [record] });
    const [message] = await v1().listMessages('chat-1').toArray();
    expect(message).toMatchObject({
      model: null,
      usage: null,
      provider: 'openai',
      metadata: { model: 4, tokens_used: 'many', trace: 'x' },
    });
  });
});

describe('chats-v1: multi-page listings', () => {
  it.each([
    ['true', (truth: number) => truth],
    ['overstated', (truth: number) => truth * 3 + 11],
    ['understated', (truth: number) => Math.floor(truth / 4)],
  ])(
    'total %s: every message once, in order, at concurrency 1 and 4',
    async (_label, reportTotal) => {
      for (const concurrency of [1, 4]) {
        const vendor = emulate({ chats: 1, messagesPerChat: 87, reportTotal });
        const listed = await v1()
          .listMessages(vendor.chat, { pageSize: 10, concurrency })
          .toArray();
        expect(listed.map((m) => m.id)).toEqual(vendor.messages(vendor.chat).map((m) => m.id));
        expect(listed.every((m) => m.conversationId === vendor.chat)).toBe(true);
        // 9 pages; predictions past the end cost at most concurrency - 1 more.
        expect(vendor.stats.requests).toBeGreaterThanOrEqual(9);
        expect(vendor.stats.requests).toBeLessThanOrEqual(9 + concurrency - 1);
        server.resetHandlers();
      }
    },
  );

  it('a server returning fewer than limit: the next offset follows what it returned', async () => {
    const vendor = emulate({ chats: 1, messagesPerChat: 40, maxPageSize: 7 });
    const listed = await v1().listMessages(vendor.chat, { pageSize: 25 }).toArray();
    expect(listed).toHaveLength(40);
    expect(vendor.urls().map((url) => url.searchParams.get('offset'))).toEqual([
      '0',
      '7',
      '14',
      '21',
      '28',
      '35',
    ]);
  });

  it('lists chats as conversations, mapping what the listing is known to hold', async () => {
    const vendor = emulate({ chats: 23 });
    const chats = await v1().listConversations({ pageSize: 10 }).toArray();
    expect(chats).toHaveLength(23);
    expect(vendor.urls().map((url) => url.pathname)).toEqual(Array(3).fill('/api/v1/chats'));
    const first = chats[0];
    expect(ConversationSchema.parse(first)).toEqual(first);
    const wire = vendor.chats()[0] as Record<string, unknown>;
    expect(first).toMatchObject({
      id: vendor.chat,
      source: 'chats-v1',
      createdAt: normalizeTimestamp(wire.created_at as string),
      updatedAt: normalizeTimestamp(wire.updated_at as string),
      metadata: wire.metadata,
      humanHandoff: false,
      raw: wire,
    });
    expect(first?.createdAt).toMatch(/^2024-01-15T\d\d:\d\d:\d\d\.000000Z$/);
  });

  it('a state filter is unsupported, said at the call', () => {
    let thrown: unknown;
    try {
      v1().listConversations({ state: 'open' });
    } catch (error) {
      thrown = error;
    }
    expect(ChatHistoryError.is(thrown) && thrown.code).toBe('unsupported');
    expect(v1().capabilities.filterConversationsByState).toBe(false);
  });
});

describe('chats-v1: errors', () => {
  it('401 is unauthorized after one request, with the vendor reason and no key', async () => {
    const vendor = emulate();
    const error = await caught(v1({ apiKey: 'not-the-key-42' }).listMessages('chat-000').toArray());
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe(
      'GET /api/v1/chats/chat-000/messages -> 401 unauthorized (chats-v1): Invalid or missing API key',
    );
    expect(vendor.stats.requests).toBe(1);
    expect(JSON.stringify(error)).not.toContain('not-the-key-42');
  });

  it('an unknown chat is not_found', async () => {
    emulate();
    expect((await caught(v1().listMessages('missing').toArray())).code).toBe('not_found');
  });

  it('5xx then success: the listing completes without loss', async () => {
    const vendor = emulate({
      chats: 1,
      messagesPerChat: 30,
      faults: { pattern: ({ index }) => (index === 1 || index === 2 ? '502' : null) },
    });
    const listed = await v1().listMessages(vendor.chat, { pageSize: 10 }).toArray();
    expect(listed.map((m) => m.id)).toEqual(vendor.messages(vendor.chat).map((m) => m.id));
    expect(vendor.urls().map((url) => url.searchParams.get('offset'))).toEqual([
      '0',
      '10',
      '10',
      '10',
      '20',
    ]);
  });

  it('an envelope without messages is invalid_response', async () => {
    replay({ items: [], total: 0 });
    const error = await caught(v1().listMessages('chat-1').toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/unexpected page envelope at messages/);
  });
});

describe('chats-v1: the source', () => {
  it.each([
    [{ baseURL: undefined as unknown as string }, /baseURL is required/],
    [{ baseURL: 'api.example.com' }, /absolute http\(s\) URL/],
    [{ baseURL: 'ws://api.example.com' }, /http or https/],
    [{ apiKey: '' }, /apiKey is required/],
    [{ pageSize: 1001 }, /pageSize/],
  ])('rejects %j at creation', (overrides, message) => {
    expect(() => v1(overrides)).toThrow(message);
  });

  it('has id chats-v1', () => {
    expect(v1().id).toBe('chats-v1');
  });
});
