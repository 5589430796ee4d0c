import { setupServer } from 'msw/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createChatsV1Source,
  createOkChatSource,
  type InvalidRecord,
  MessageSchema,
} from '../../src/index.js';
import {
  createChatsV1Emulator,
  createOkChatEmulator,
  type FaultKind,
  serveEmulator,
  startSandbox,
} from '../../src/testing/index.js';
import { emulatorHandlers } from '../../src/testing/msw.js';

type WireRecord = Record<string, unknown>;

async function get(
  emulator: { fetch: (url: string, init?: RequestInit) => Promise<Response> },
  url: string,
  key: string,
) {
  const response = await emulator.fetch(url, { headers: { 'x-api-key': key } });
  return { status: response.status, body: (await response.json()) as WireRecord };
}

describe('OkChat emulator', () => {
  const emulator = createOkChatEmulator({ conversations: 60, seed: 7 });
  const base = `https://okchat.test/api/external/chatbot/${emulator.chatbotId}`;
  const key = emulator.apiKey;

  it('answers 401 to a wrong or missing key, and 404 to unknown bots, sessions and paths', async () => {
    expect((await get(emulator, `${base}/conversations`, 'nope')).status).toBe(401);
    expect((await emulator.fetch(`${base}/conversations`)).status).toBe(401);
    expect(
      (await get(emulator, 'https://okchat.test/api/external/chatbot/other/conversations', key))
        .status,
    ).toBe(404);
    expect((await get(emulator, `${base}/conversations/unknown/messages`, key)).status).toBe(404);
    expect((await get(emulator, `${base}/nothing-here`, key)).status).toBe(404);
    expect((await get(emulator, `${base}/conversations?page=0`, key)).status).toBe(400);
  });

  it('pages conversations newest first with the page/limit envelope', async () => {
    const { body } = await get(emulator, `${base}/conversations?page=2&limit=25`, key);
    expect(body.metadata).toEqual({ currentPage: 2, pageSize: 25, totalCount: 60, totalPages: 3 });
    const data = body.data as WireRecord[];
    expect(data.map((c) => c.id)).toEqual(
      emulator
        .conversations()
        .slice(25, 50)
        .map((c) => c.id),
    );
    const created = emulator.conversations().map((c) => String(c.created_at));
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('clamps the page size and filters by state', async () => {
    const clamped = createOkChatEmulator({ conversations: 30, maxPageSize: 8 });
    const { body } = await get(
      clamped,
      `https://okchat.test/api/external/chatbot/${clamped.chatbotId}/conversations?limit=50`,
      clamped.apiKey,
    );
    expect((body.data as unknown[]).length).toBe(8);
    expect(body.metadata).toMatchObject({ pageSize: 8, totalPages: 4 });
    const closed = await get(emulator, `${base}/conversations?state=closed&limit=100`, key);
    const records = closed.body.data as WireRecord[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((c) => c.state === 'closed')).toBe(true);
    expect(records.length).toBe(
      emulator.conversations().filter((c) => c.state === 'closed').length,
    );
  });

  it('generates data shaped like the vendor examples', () => {
    const conversations = emulator.conversations();
    expect(new Set(conversations.map((c) => c.platform))).toEqual(
      new Set([
        'web',
        'whatsapp',
        'instagram',
        'facebook-messenger',
        'line',
        'navertalktalk',
        'voice',
      ]),
    );
    const voice = conversations.filter((c) => c.platform === 'voice');
    expect(
      voice.every(
        (c) => typeof c.voice_path === 'string' && emulator.messages(String(c.id)).length === 0,
      ),
    ).toBe(true);
    const forms = new Set(
      conversations.map((c) => (c.last_message === null ? 'null' : typeof c.last_message)),
    );
    expect(forms).toEqual(new Set(['null', 'string', 'object']));
    const human = conversations.filter((c) => c.is_human_mode === true);
    expect(human.length).toBeGreaterThan(0);
    const messages = conversations.flatMap((c) => emulator.messages(String(c.id)));
    const senders = new Set(messages.map((m) => m.sender_type));
    expect(senders.has('user') && senders.has('bot')).toBe(true);
    expect(
      [...senders].some((s) =>
        ['agent', 'human', 'admin', 'operator', 'staff'].includes(String(s)),
      ),
    ).toBe(true);
    const extensions = new Set(
      messages.flatMap((m) =>
        ((m.attachments as { name: string }[] | null) ?? []).map((a) => a.name.split('.').pop()),
      ),
    );
    expect(extensions.size).toBeGreaterThanOrEqual(6);
    const bots = messages.filter((m) => m.sender_type === 'bot');
    expect(bots.every((m) => typeof m.model === 'string' && typeof m.provider === 'string')).toBe(
      true,
    );
    expect(bots.some((m) => typeof (m.metadata as WireRecord).mid === 'string')).toBe(true);
  });

  it('lists messages oldest first, and the same seed gives the same data', () => {
    const id = String(emulator.conversations()[0]?.id);
    const stamps = emulator.messages(id).map((m) => String(m.created_at));
    expect([...stamps].sort()).toEqual(stamps);
    const again = createOkChatEmulator({ conversations: 60, seed: 7 });
    expect(again.conversations()).toEqual(emulator.conversations());
    expect(again.messages(id)).toEqual(emulator.messages(id));
    expect(createOkChatEmulator({ conversations: 60, seed: 8 }).conversations()[0]?.id).not.toBe(
      id,
    );
  });

  it('everything it generates maps through the OkChat source without an invalid record', async () => {
    const invalid: InvalidRecord[] = [];
    const source = createOkChatSource({
      apiKey: key,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
    });
    let messages = 0;
    for await (const conversation of source.listConversations({
      onInvalidRecord: (r) => invalid.push(r),
    })) {
      for await (const message of source.listMessages(conversation.id, {
        onInvalidRecord: (r) => invalid.push(r),
      })) {
        MessageSchema.parse(message);
        messages += 1;
      }
    }
    expect(invalid).toEqual([]);
    expect(messages).toBe(emulator.totalMessages());
  });
});

describe('Chats v1 emulator', () => {
  const emulator = createChatsV1Emulator({ chats: 12, seed: 3 });
  const key = emulator.apiKey;

  it('answers 401, 404 and the offset envelope with a truthful has_more', async () => {
    expect((await get(emulator, 'https://v1.test/api/v1/chats', 'bad')).status).toBe(401);
    expect((await get(emulator, 'https://v1.test/api/v1/chats/missing/messages', key)).status).toBe(
      404,
    );
    const chat = String(emulator.chats()[0]?.id);
    const all = emulator.messages(chat);
    const { body } = await get(
      emulator,
      `https://v1.test/api/v1/chats/${chat}/messages?offset=1&limit=2`,
      key,
    );
    expect(body).toMatchObject({
      total: all.length,
      offset: 1,
      limit: 2,
      has_more: all.length > 3,
    });
    expect(body.messages).toEqual(all.slice(1, 3));
  });

  it('can report a lying total while has_more stays true to the data', async () => {
    const lying = createChatsV1Emulator({ chats: 1, messagesPerChat: 4, reportTotal: () => 15 });
    const chat = String(lying.chats()[0]?.id);
    const { body } = await get(
      lying,
      `https://v1.test/api/v1/chats/${chat}/messages`,
      lying.apiKey,
    );
    expect(body).toMatchObject({ total: 15, has_more: false });
    expect((body.messages as unknown[]).length).toBe(4);
  });

  it('generates media in coarse and MIME forms, and model metadata on replies', () => {
    const messages = emulator.chats().flatMap((c) => emulator.messages(String(c.id)));
    const media = messages.filter((m) => m.media_url !== null);
    expect(media.length).toBeGreaterThan(0);
    expect(media.some((m) => String(m.media_type).includes('/'))).toBe(true);
    expect(media.some((m) => m.media_type !== null && !String(m.media_type).includes('/'))).toBe(
      true,
    );
    const replies = messages.filter((m) => m.sender_role === 'assistant');
    expect(
      replies.every(
        (m) =>
          typeof (m.metadata as WireRecord).model === 'string' &&
          typeof (m.metadata as WireRecord).tokens_used === 'number',
      ),
    ).toBe(true);
  });

  it('everything it generates maps through the Chats v1 source', async () => {
    const source = createChatsV1Source({
      apiKey: key,
      baseURL: 'https://v1.test',
      fetch: emulator.fetch,
    });
    const invalid: InvalidRecord[] = [];
    let messages = 0;
    for await (const chat of source.listConversations({ pageSize: 5 })) {
      messages += (
        await source
          .listMessages(chat.id, { pageSize: 7, onInvalidRecord: (r) => invalid.push(r) })
          .toArray()
      ).length;
    }
    expect(invalid).toEqual([]);
    expect(messages).toBe(emulator.totalMessages());
  });
});

describe('fault injection', () => {
  it('the same seed fails the same attempts, whatever order requests come in', async () => {
    const failures = async (order: number[]) => {
      const emulator = createChatsV1Emulator({
        chats: 1,
        faults: { rate: 0.5, kinds: ['500', '503'] },
      });
      const results = new Map<number, number>();
      for (const offset of order) {
        const response = await emulator.fetch(`https://v1.test/api/v1/chats?offset=${offset}`, {
          headers: { 'x-api-key': emulator.apiKey },
        });
        results.set(offset, response.status);
      }
      return [...results].sort(([a], [b]) => a - b);
    };
    const forward = await failures([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await failures([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])).toEqual(forward);
    const failed = forward.filter(([, status]) => status !== 200).length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(10);
  });

  it('firstAttemptsOnly lets every retry through', async () => {
    const emulator = createOkChatEmulator({
      faults: { rate: 1, firstAttemptsOnly: true, kinds: ['502'] },
    });
    const url = `https://okchat.test/api/external/chatbot/${emulator.chatbotId}/conversations`;
    const headers = { 'x-api-key': emulator.apiKey };
    const first = await emulator.fetch(url, { headers });
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toBe('text/html');
    expect((await emulator.fetch(url, { headers })).status).toBe(200);
    expect(emulator.stats).toMatchObject({ requests: 2, faults: 1 });
  });

  it.each<[FaultKind, (response: Response) => void]>([
    [
      '429',
      (response) => {
        expect(response.status).toBe(429);
        expect(response.headers.get('retry-after')).toBe('2');
      },
    ],
    ['500', (response) => expect(response.status).toBe(500)],
    ['503', (response) => expect(response.status).toBe(503)],
    ['drop', (response) => expect(response.type).toBe('error')],
  ])('pattern %s', async (kind, check) => {
    const emulator = createOkChatEmulator({
      faults: { pattern: ({ index }) => (index === 0 ? kind : null), retryAfterSeconds: 2 },
    });
    const url = `https://okchat.test/api/external/chatbot/${emulator.chatbotId}/conversations`;
    check(await emulator.handler(new Request(url, { headers: { 'x-api-key': emulator.apiKey } })));
  });

  it('a slow answer outlasts a client timeout', async () => {
    const emulator = createOkChatEmulator({ faults: { pattern: () => 'slow', slowMs: 5_000 } });
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
      timeout: 50,
      retry: false,
    });
    await expect(source.listConversations().toArray()).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('serving the emulators', () => {
  const msw = setupServer();
  afterAll(() => msw.close());

  it('msw handlers answer from the emulator in process', async () => {
    const emulator = createChatsV1Emulator({ chats: 4 });
    msw.use(...emulatorHandlers(emulator, 'https://chats.example'));
    msw.listen({ onUnhandledRequest: 'error' });
    const source = createChatsV1Source({
      apiKey: emulator.apiKey,
      baseURL: 'https://chats.example',
    });
    expect(await source.listConversations().toArray()).toHaveLength(4);
    expect(emulator.stats.requests).toBe(1);
    msw.close();
  });

  it('the sandbox serves both vendors over real loopback HTTP, with cut connections as faults', async () => {
    const sandbox = await startSandbox({
      okchat: {
        conversations: 15,
        faults: {
          rate: 0.3,
          firstAttemptsOnly: true,
          kinds: ['drop', '503'],
          retryAfterSeconds: 0,
        },
      },
      chatsV1: { chats: 5 },
    });
    try {
      expect(sandbox.okchat.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const okchat = createOkChatSource({
        apiKey: sandbox.okchat.emulator.apiKey,
        chatbotId: sandbox.okchat.emulator.chatbotId,
        baseURL: sandbox.okchat.url,
        retry: { baseDelayMs: 1 },
      });
      let messages = 0;
      for await (const conversation of okchat.listConversations({ pageSize: 4 })) {
        messages += (
          await okchat.listMessages(conversation.id, { pageSize: 5, concurrency: 3 }).toArray()
        ).length;
      }
      expect(messages).toBe(sandbox.okchat.emulator.totalMessages());
      expect(sandbox.okchat.emulator.stats.faults).toBeGreaterThan(0);
      const v1 = createChatsV1Source({
        apiKey: sandbox.chatsV1.emulator.apiKey,
        baseURL: sandbox.chatsV1.url,
      });
      expect(await v1.listConversations().toArray()).toHaveLength(5);
    } finally {
      await sandbox.close();
    }
  });

  it('startSandbox honours port: one port per vendor from it, in registry order', async () => {
    // Ports below Linux's ephemeral range (32768 and up), where the connections of the tests
    // running alongside take theirs; three in a row taken meanwhile are tried elsewhere.
    let port = 0;
    let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
    for (let attempt = 1; sandbox === undefined; attempt++) {
      port = 20_000 + Math.floor(Math.random() * 10_000);
      try {
        sandbox = await startSandbox({ port });
      } catch (error) {
        if (attempt === 20 || !String(error).includes('EADDRINUSE')) throw error;
      }
    }
    try {
      expect([sandbox.okchat.url, sandbox.chatsV1.url, sandbox.intercom.url]).toEqual([
        `http://127.0.0.1:${port}`,
        `http://127.0.0.1:${port + 1}`,
        `http://127.0.0.1:${port + 2}`,
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it('startSandbox refuses a port from which its emulators do not fit', async () => {
    await expect(startSandbox({ port: 65_535 })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/port must be 0 or a port from which 3 in a row are valid/),
    });
    await expect(startSandbox({ port: -1 })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('cors: true lets a page on any origin in: preflights answered, every response allowed', async () => {
    const sandbox = await startSandbox({ cors: true, intercom: { conversations: 2 } });
    const plain = await serveEmulator(createOkChatEmulator({ conversations: 1 }));
    try {
      const preflight = await fetch(`${sandbox.intercom.url}/conversations/search`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, intercom-version',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
      const allowed = preflight.headers.get('access-control-allow-headers') ?? '';
      for (const header of ['authorization', 'content-type', 'intercom-version', 'x-api-key']) {
        expect(allowed).toContain(header);
      }
      // Errors too: a page must be able to read a 401.
      const refused = await fetch(`${sandbox.okchat.url}/anything`, {
        headers: { origin: 'http://app.example' },
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      expect(refused.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
      const without = await fetch(`${plain.url}/anything`, { headers: { origin: 'http://a.b' } });
      expect(without.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await Promise.all([sandbox.close(), plain.close()]);
    }
  });

  it('serveEmulator picks a free port each time', async () => {
    const emulator = createOkChatEmulator({ conversations: 1 });
    const [a, b] = await Promise.all([serveEmulator(emulator), serveEmulator(emulator)]);
    try {
      expect(a.url).not.toBe(b.url);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('live data', () => {
  it('changes a listing after each page served, and logs what changed', async () => {
    const emulator = createOkChatEmulator({
      conversations: 10,
      live: { changes: ['insert'], listings: ['conversations'] },
    });
    const first = String(emulator.conversations()[0]?.id);
    const response = await emulator.fetch(
      `https://okchat.test/api/external/chatbot/${emulator.chatbotId}/conversations?page=1&limit=4`,
      { headers: { 'x-api-key': emulator.apiKey } },
    );
    const body = (await response.json()) as { data: { id: string }[] };
    expect(body.data[0]?.id).toBe(first);
    expect(emulator.conversations()).toHaveLength(11);
    expect(emulator.conversations()[0]?.id).toBe('live-conversation-0');
    expect(emulator.live?.log).toEqual([
      { change: 'insert', listing: 'conversations', id: 'live-conversation-0' },
    ]);
  });

  it.each(['insert', 'delete', 'move', 'append'] as const)(
    'Chats v1 messages: %s keeps the listing a permutation of old and new records',
    async (change) => {
      const emulator = createChatsV1Emulator({
        chats: 1,
        messagesPerChat: 12,
        live: { changes: [change], listings: ['messages'], rate: 2 },
      });
      const chat = String(emulator.chats()[0]?.id);
      const before = emulator.messages(chat).map((record) => String(record.id));
      const response = await emulator.fetch(
        `https://chats.test/api/v1/chats/${chat}/messages?offset=4&limit=4`,
        { headers: { 'x-api-key': emulator.apiKey } },
      );
      const body = (await response.json()) as { messages: { id: string }[]; total: number };
      expect(body.messages.map((record) => record.id)).toEqual(before.slice(4, 8));
      expect(body.total).toBe(12);
      const after = emulator.messages(chat).map((record) => String(record.id));
      const log = emulator.live?.log ?? [];
      expect(log).toHaveLength(2);
      const expectedLength = { insert: 14, append: 14, delete: 10, move: 12 }[change];
      expect(after).toHaveLength(expectedLength);
      if (change === 'delete') {
        // Deleted from the page just served or one before it.
        for (const entry of log) expect(before.slice(0, 8)).toContain(entry.id);
      }
      if (change === 'move') expect(after.slice(0, 2)).toEqual([log[1]?.id, log[0]?.id]);
      if (change === 'append') expect(after.slice(-2)).toEqual(log.map((entry) => entry.id));
    },
  );

  it('a schedule decides the changes itself', async () => {
    const emulator = createOkChatEmulator({
      conversations: 6,
      live: { schedule: (page) => (page.count === 2 ? ['delete', 'delete'] : []) },
    });
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
    });
    await source.listConversations({ pageSize: 2 }).toArray();
    expect(emulator.live?.log.map((entry) => entry.change)).toEqual(['delete', 'delete']);
    expect(emulator.conversations()).toHaveLength(4);
  });
});
