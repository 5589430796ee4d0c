import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  type Conversation,
  ConversationSchema,
  createOkChatSource,
  type InvalidRecord,
  type Message,
  MessageSchema,
  type OkChatSourceOptions,
} from '../../src/index.js';
import { createOkChatEmulator, type OkChatEmulatorOptions } from '../../src/testing/index.js';
import conversationsPage from '../fixtures/okchat-conversations.page1.json' with { type: 'json' };
import messagesPage from '../fixtures/okchat-messages.page1.json' with { type: 'json' };
import { caught } from '../helpers/caught.js';
import { vendorHarness } from '../helpers/vendor-harness.js';

const SESSION = 'f081d259-6c72-4eca-8687-1b6ed716257e';
const OKCHAT_BASE = 'https://okchat.test';
const OKCHAT_KEY = '15a23c21867f4f38b0b46f5e4adb1caf87a040b34eb58f68';
const CHATBOT_ID = '5afe16ed-5fd2-4552-a993-903bc9c32bb6';

const harness = vendorHarness(OKCHAT_BASE);
const { replay } = harness;

/** The OkChat emulator, answering through msw for this suite's base URL. */
function emulate(options: OkChatEmulatorOptions = {}) {
  return harness.emulate(
    createOkChatEmulator({ apiKey: OKCHAT_KEY, chatbotId: CHATBOT_ID, ...options }),
  );
}

function okchat(overrides: Partial<OkChatSourceOptions> = {}) {
  return createOkChatSource({
    apiKey: OKCHAT_KEY,
    chatbotId: CHATBOT_ID,
    baseURL: OKCHAT_BASE,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

describe('okchat: seed messages, field by field', () => {
  const path = `/api/external/chatbot/${CHATBOT_ID}/conversations/${SESSION}/messages`;
  let messages: Message[];
  let requests: Request[];

  beforeAll(async () => {
    requests = replay(path, messagesPage);
    messages = await okchat().listMessages(SESSION).toArray();
  });

  it('one request, with the key header and page/limit', () => {
    expect(requests).toHaveLength(1);
    const url = new URL(requests[0]?.url ?? '');
    expect(url.pathname).toBe(path);
    expect(Object.fromEntries(url.searchParams)).toEqual({ page: '1', limit: '50' });
    expect(requests[0]?.headers.get('x-api-key')).toBe(OKCHAT_KEY);
  });

  it('maps all ten messages, valid against MessageSchema, with the vendor record as raw', () => {
    expect(messages).toHaveLength(10);
    messages.forEach((message, index) => {
      expect(MessageSchema.parse(message)).toEqual(message);
      expect(message.raw).toEqual(messagesPage.data[index]);
    });
  });

  it('a user message with three image attachments', () => {
    expect(messages[0]).toEqual({
      id: 'b10506a1-1ca7-4336-a72b-f37782c6a054',
      conversationId: SESSION,
      source: 'okchat',
      account: CHATBOT_ID,
      role: 'user',
      text: 'Describe this image',
      attachments: [
        {
          url: 'https://alwiuiydhxcstgrluarg.supabase.co/storage/v1/object/public/user_images/internal/0.806494468977148.png',
          name: '0.806494468977148.png',
          mediaType: 'image/png',
          kind: 'image',
        },
        {
          url: 'https://alwiuiydhxcstgrluarg.supabase.co/storage/v1/object/public/user_images/internal/0.47461492756254064.png',
          name: '0.47461492756254064.png',
          mediaType: 'image/png',
          kind: 'image',
        },
        {
          url: 'https://alwiuiydhxcstgrluarg.supabase.co/storage/v1/object/public/user_images/internal/0.34089790317279434.png',
          name: '0.34089790317279434.png',
          mediaType: 'image/png',
          kind: 'image',
        },
      ],
      createdAt: '2025-03-05T04:25:58.059835Z',
      model: null,
      provider: null,
      usage: null,
      toolCalls: [],
      toolResults: [],
      metadata: {},
      raw: messagesPage.data[0],
    });
  });

  it('a bot reply: assistant, model and provider, no usage for tokens_used 0', () => {
    const reply = messages[1];
    expect(reply?.role).toBe('assistant');
    expect(reply?.model).toBe('gpt-4o-mini');
    expect(reply?.provider).toBe('openai');
    expect(reply?.usage).toBeNull();
    expect(reply?.attachments).toEqual([]);
    expect(reply?.text.startsWith('The images depict a serene camping scene')).toBe(true);
    expect(reply?.createdAt).toBe('2025-03-05T04:26:10.241508Z');
  });

  it('keeps metadata.mid, the jpeg attachment, and pads a trimmed fraction', () => {
    expect(messages[5]?.metadata).toEqual({ mid: 'msg-Mzs8wSy4weVyiALOzzZRDles' });
    expect(messages[5]?.model).toBe('gpt-4o');
    expect(messages[8]?.attachments[0]).toMatchObject({
      name: '0.8697358026985564.jpeg',
      mediaType: 'image/jpeg',
      kind: 'image',
    });
    // The vendor sent 07:59:34.45648+00:00 (trailing zero trimmed).
    expect(messages[9]?.createdAt).toBe('2025-03-08T07:59:34.456480Z');
  });

  it('timestamps sort as strings in the order the vendor listed them', () => {
    const stamps = messages.map((message) => message.createdAt);
    expect([...stamps].sort()).toEqual(stamps);
  });
});

describe('okchat: seed conversations, field by field', () => {
  const path = `/api/external/chatbot/${CHATBOT_ID}/conversations`;
  let conversations: Conversation[];
  let requests: Request[];
  let pageTotal: number | undefined;
  let pageNext: unknown;

  beforeAll(async () => {
    requests = replay(path, conversationsPage);
    // take(10): the fixture is page 1 of 2; nothing past it is requested.
    for await (const page of okchat()
      .listConversations({ state: 'in_progress' })
      .take(10)
      .pages()) {
      conversations = page.items;
      pageTotal = page.total;
      pageNext = page.next;
    }
  });

  it('sends the state filter and reports the total and the next page', () => {
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(new URL(requests[0]?.url ?? '').searchParams)).toEqual({
      page: '1',
      limit: '50',
      state: 'in_progress',
    });
    expect(pageTotal).toBe(20);
    expect(pageNext).toEqual({ page: 2, limit: 50 });
  });

  it('maps all ten, valid against ConversationSchema', () => {
    expect(conversations).toHaveLength(10);
    conversations.forEach((conversation, index) => {
      expect(ConversationSchema.parse(conversation)).toEqual(conversation);
      expect(conversation.raw).toEqual(conversationsPage.data[index]);
    });
  });

  it('normalizes every platform to a channel', () => {
    expect(conversations.map((c) => c.channel)).toEqual([
      'naver-talktalk',
      'whatsapp',
      'instagram',
      'messenger',
      'web',
      'voice',
      'web',
      'web',
      'line',
      'voice',
    ]);
  });

  it('a conversation whose last_message is an object', () => {
    expect(conversations[0]).toEqual({
      id: 'dcda7e8a-e344-41a2-8a7e-b7400add6971',
      source: 'okchat',
      account: CHATBOT_ID,
      botId: CHATBOT_ID,
      channel: 'naver-talktalk',
      state: 'in_progress',
      active: true,
      humanHandoff: false,
      participant: { externalId: 'icdghyH6SYeJw3ROn9mBnQ', userId: null, anonymous: true },
      createdAt: '2025-03-07T04:56:09.200005Z',
      updatedAt: '2025-03-07T05:22:28.209148Z',
      lastMessage: {
        id: '4004e76a-4f6f-4d25-94bc-e0a8aca8a091',
        text: expect.stringMatching(/^That image shows someone meditating/),
        role: 'assistant',
      },
      recording: null,
      metadata: { anonymous: true },
      raw: conversationsPage.data[0],
    });
  });

  it('a last_message given as bare text, and one given as null', () => {
    expect(conversations[4]?.lastMessage).toEqual({
      id: null,
      text: 'Best places to visit in Bangkok',
      role: null,
    });
    expect(conversations[5]?.lastMessage).toBeNull();
  });

  it('a voice conversation: recording, no participant, its metadata kept', () => {
    expect(conversations[5]).toMatchObject({
      id: 'e59e2971-5296-4cc6-bcf2-6a0635a9d0d8',
      channel: 'voice',
      recording: { path: 'conversation-voice_assistant_room_9570.ogg', mediaType: 'audio/ogg' },
      participant: { externalId: null, userId: null, anonymous: null },
      metadata: { type: 'voice_chat' },
    });
  });

  it('a numeric-looking messenger id stays a string', () => {
    expect(conversations[3]?.participant.externalId).toBe('8418351301605909');
    expect(conversations[1]?.participant.externalId).toBe('489235447595858');
  });
});

describe('okchat: multi-page listings', () => {
  it('lists every conversation across pages, newest first', async () => {
    const vendor = emulate({ conversations: 57 });
    const listed = await okchat().listConversations({ pageSize: 10 }).toArray();
    expect(listed.map((c) => c.id)).toEqual(vendor.conversations().map((c) => c.id));
    expect(vendor.requests).toHaveLength(6);
    const created = listed.map((c) => c.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('the state filter lists only conversations in that state', async () => {
    const vendor = emulate({ conversations: 57 });
    const closed = await okchat().listConversations({ state: 'closed', pageSize: 5 }).toArray();
    const expected = vendor
      .conversations()
      .filter((c) => c.state === 'closed')
      .map((c) => c.id);
    expect(closed.map((c) => c.id)).toEqual(expected);
    expect(closed.every((c) => c.state === 'closed')).toBe(true);
    expect(vendor.urls().every((url) => url.searchParams.get('state') === 'closed')).toBe(true);
  });

  it('a server that clamps the page size is followed by its totalPages', async () => {
    const vendor = emulate({ conversations: 57, maxPageSize: 7 });
    const listed = await okchat().listConversations({ pageSize: 50 }).toArray();
    expect(listed).toHaveLength(57);
    expect(vendor.requests).toHaveLength(9);
    expect(vendor.urls().every((url) => url.searchParams.get('limit') === '50')).toBe(true);
  });

  it.each([1, 4])(
    'messages at concurrency %i: all, in order, at most that many in flight',
    async (concurrency) => {
      const vendor = emulate({ conversations: 2, messagesPerConversation: 95, latencyMs: 5 });
      const id = String(vendor.conversations()[1]?.id);
      const listed = await okchat().listMessages(id, { pageSize: 10, concurrency }).toArray();
      expect(listed.map((m) => m.id)).toEqual(vendor.messages(id).map((m) => m.id));
      expect(listed.every((m) => m.conversationId === id)).toBe(true);
      expect(vendor.requests).toHaveLength(10);
      expect(vendor.stats.maxInFlight).toBe(concurrency);
    },
  );

  it('conversation ids are encoded into the path', async () => {
    const vendor = emulate({ conversations: 1 });
    const error = await caught(okchat().listMessages('a/b?c#d').toArray());
    expect(error.code).toBe('not_found');
    expect(vendor.urls()[0]?.pathname).toBe(
      `/api/external/chatbot/${CHATBOT_ID}/conversations/a%2Fb%3Fc%23d/messages`,
    );
  });
});

describe('okchat: errors', () => {
  it('a wrong key is unauthorized after exactly one request, and the key is not in the error', async () => {
    const vendor = emulate();
    const error = await caught(okchat({ apiKey: 'wrong-key-123' }).listConversations().toArray());
    expect(error.code).toBe('unauthorized');
    expect(error.status).toBe(401);
    expect(error.source).toBe('okchat');
    expect(error.message).toBe(
      `GET /api/external/chatbot/${CHATBOT_ID}/conversations -> 401 unauthorized (okchat): Invalid API key`,
    );
    expect(vendor.requests).toHaveLength(1);
    expect(inspect(error, { depth: 10 })).not.toContain('wrong-key-123');
  });

  it('an unknown conversation is not_found, and so is an unknown chatbot', async () => {
    emulate();
    expect((await caught(okchat().listMessages('nope').toArray())).code).toBe('not_found');
    expect((await caught(okchat({ chatbotId: 'other' }).listConversations().toArray())).code).toBe(
      'not_found',
    );
  });

  it('429 then success: the listing completes', async () => {
    const vendor = emulate({
      conversations: 30,
      faults: { pattern: ({ index }) => (index === 1 ? '429' : null), retryAfterSeconds: 0 },
    });
    const listed = await okchat().listConversations({ pageSize: 10 }).toArray();
    expect(listed).toHaveLength(30);
    expect(vendor.stats.faults).toBe(1);
    expect(vendor.urls().map((url) => url.searchParams.get('page'))).toEqual(['1', '2', '2', '3']);
  });

  it('a malformed record throws invalid_response naming it; onInvalidRecord keeps it and goes on', async () => {
    const broken = structuredClone(messagesPage);
    const record = broken.data[3] as Record<string, unknown>;
    record.created_at = 'yesterday';
    (broken.data[6] as Record<string, unknown>).id = undefined;
    const path = `/api/external/chatbot/${CHATBOT_ID}/conversations/${SESSION}/messages`;
    replay(path, broken);

    const error = await caught(okchat().listMessages(SESSION).toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('"9a0e408d-1588-4d64-9e33-814a56b0543b"');
    expect(error.message).toContain('at created_at');

    const reports: InvalidRecord[] = [];
    const listed = await okchat()
      .listMessages(SESSION, { onInvalidRecord: (report) => reports.push(report) })
      .toArray();
    expect(listed).toHaveLength(8);
    expect(reports.map((report) => [report.index, report.id, report.issues[0]?.path])).toEqual([
      [3, '9a0e408d-1588-4d64-9e33-814a56b0543b', ['created_at']],
      [6, undefined, ['id']],
    ]);
    expect(reports[0]?.raw).toEqual(record);
  });

  it('reads OpenAI-shaped tool calls and both spellings of tool results, arguments parsed where they are JSON', async () => {
    const page = structuredClone(messagesPage);
    const [asker, answer, mixed] = page.data.slice(1, 4) as Record<string, unknown>[];
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    Object.assign(asker ?? {}, {
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Oslo","days":[1,2]}' },
        },
        { id: 'call_2', type: 'function', function: { name: 'echo', arguments: 'not json {' } },
        { id: 'call_3', type: 'function', function: { name: 'nested', arguments: deep } },
        {
          id: 'call_4',
          type: 'function',
          function: { name: 'given', arguments: { already: 'parsed' } },
        },
        // JSON of a string, and a number JSON cannot write back: both stay the vendor's text.
        { id: 'call_6', type: 'function', function: { name: 'say', arguments: '"hello"' } },
        {
          id: 'call_7',
          type: 'function',
          function: { name: 'pay', arguments: '{"amount":1e400}' },
        },
        { id: 'call_8', type: 'function', function: { name: 'count', arguments: '[1,2]' } },
      ],
    });
    Object.assign(answer ?? {}, {
      sender_type: 'tool',
      tool_results: [
        { call_id: 'call_1', output: { celsius: -3 } },
        { tool_call_id: 'call_2', content: 'not json {' },
        { call_id: 'call_4', output: null, content: 'held in content' },
      ],
    });
    // Calls and their results on one message, as some models' records hold them.
    Object.assign(mixed ?? {}, {
      tool_calls: [{ id: 'call_5', type: 'function', function: { name: 'now', arguments: '' } }],
      tool_results: [{ call_id: 'call_5', output: null }],
    });
    replay(`/api/external/chatbot/${CHATBOT_ID}/conversations/${SESSION}/messages`, page);
    const read = await okchat().listMessages(SESSION).toArray();
    expect(read).toHaveLength(10);
    for (const message of read) expect(MessageSchema.parse(message)).toEqual(message);
    expect(read[1]?.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo', days: [1, 2] } },
      { id: 'call_2', name: 'echo', arguments: 'not json {' },
      { id: 'call_3', name: 'nested', arguments: deep },
      { id: 'call_4', name: 'given', arguments: { already: 'parsed' } },
      { id: 'call_6', name: 'say', arguments: '"hello"' },
      { id: 'call_7', name: 'pay', arguments: '{"amount":1e400}' },
      { id: 'call_8', name: 'count', arguments: [1, 2] },
    ]);
    expect(read[2]?.toolResults).toEqual([
      { toolCallId: 'call_1', output: { celsius: -3 } },
      { toolCallId: 'call_2', output: 'not json {' },
      { toolCallId: 'call_4', output: 'held in content' },
    ]);
    expect(read[3]?.toolCalls).toEqual([{ id: 'call_5', name: 'now', arguments: '' }]);
    expect(read[3]?.toolResults).toEqual([{ toolCallId: 'call_5', output: null }]);
  });

  it('a tool call or result of any other shape is an invalid record, with its raw record', async () => {
    const page = structuredClone(messagesPage);
    const shapes: [string, unknown][] = [
      ['tool_calls', [{ name: 'get_weather', arguments: '{}' }]],
      [
        'tool_calls',
        [{ id: 'call_1', type: 'retrieval', function: { name: 'x', arguments: '{}' } }],
      ],
      ['tool_calls', ['call_1']],
      ['tool_results', [{ output: 'no call id' }]],
      ['tool_results', [{ call_id: 'call_1' }]],
    ];
    shapes.forEach(([field, value], index) => {
      (page.data[index] as Record<string, unknown>)[field] = value;
    });
    replay(`/api/external/chatbot/${CHATBOT_ID}/conversations/${SESSION}/messages`, page);
    const reports: InvalidRecord[] = [];
    const read = await okchat()
      .listMessages(SESSION, { onInvalidRecord: (report) => reports.push(report) })
      .toArray();
    expect(read).toHaveLength(10 - shapes.length);
    expect(reports.map((report) => [report.index, report.issues[0]?.path[0]])).toEqual(
      shapes.map(([field], index) => [index, field]),
    );
    expect(reports.map((report) => report.raw)).toEqual(page.data.slice(0, shapes.length));
  });

  it('an envelope of the wrong shape is invalid_response', async () => {
    replay(`/api/external/chatbot/${CHATBOT_ID}/conversations`, { data: { items: [] } });
    const error = await caught(okchat().listConversations().toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/unexpected page envelope at data/);
  });
});

describe('okchat: the source', () => {
  it('says what it can do', () => {
    const source = okchat();
    expect(source.id).toBe('okchat');
    expect(source.capabilities).toEqual({
      listConversations: true,
      listMessages: true,
      filterConversationsByState: true,
      filterConversationsByUpdatedSince: false,
      prefetchPages: true,
    });
  });

  it.each([
    [{ apiKey: '' }, /apiKey is required/],
    [{ chatbotId: '  ' }, /chatbotId is required/],
    [{ baseURL: 'file:///etc' }, /http or https/],
    [{ pageSize: 0 }, /pageSize/],
  ])('rejects %j at creation', (overrides, message) => {
    expect(() => okchat(overrides)).toThrow(message);
  });

  it.each(['', '..'])('rejects the conversation id %j at the call', (id) => {
    expect(() => okchat().listMessages(id)).toThrow(ChatHistoryError);
  });
});
