import { describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  type ChatHistorySource,
  type ConversationExport,
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  exportHistory,
  type InvalidRecord,
} from '../src/index.js';
import {
  createChatsV1Emulator,
  createIntercomEmulator,
  createOkChatEmulator,
  type OkChatEmulatorOptions,
} from '../src/testing/index.js';

function setup(options: OkChatEmulatorOptions = {}) {
  const emulator = createOkChatEmulator({ conversations: 30, ...options });
  const source = createOkChatSource({
    apiKey: emulator.apiKey,
    chatbotId: emulator.chatbotId,
    baseURL: 'https://okchat.test',
    fetch: emulator.fetch,
    retry: { retries: 2, baseDelayMs: 1 },
  });
  return { emulator, source };
}

async function collect(iterable: AsyncIterable<ConversationExport>) {
  const result: ConversationExport[] = [];
  for await (const entry of iterable) result.push(entry);
  return result;
}

describe('exportHistory', () => {
  it.each([1, 3, 8])(
    'concurrency %i: every conversation in listing order with all its messages',
    async (concurrency) => {
      const { emulator, source } = setup({ latencyMs: { min: 0, max: 6 } });
      const entries = await collect(exportHistory(source, { concurrency, pageSize: 5 }));
      expect(entries.map((e) => e.conversation.id)).toEqual(
        emulator.conversations().map((c) => c.id),
      );
      for (const { conversation, messages } of entries) {
        expect(messages.map((m) => m.id)).toEqual(
          emulator.messages(conversation.id).map((m) => m.id),
        );
      }
      expect(emulator.stats.maxInFlight).toBeLessThanOrEqual(concurrency);
    },
  );

  it('keeps `concurrency` requests in flight across conversations', async () => {
    const { emulator, source } = setup({
      conversations: 40,
      messagesPerConversation: { min: 1, max: 12 },
      latencyMs: 15,
    });
    await collect(exportHistory(source, { concurrency: 8, pageSize: 5 }));
    expect(emulator.stats.maxInFlight).toBe(8);
  });

  it('holds at most 2 x concurrency conversations while the caller is busy', async () => {
    const { emulator, source } = setup({ conversations: 30 });
    const requested = () =>
      new Set(emulator.requests.filter((r) => r.includes('/messages')).map((r) => r.split('/')[6]))
        .size;
    let afterFirst = 0;
    for await (const _entry of exportHistory(source, { concurrency: 2, pageSize: 50 })) {
      // The caller is slow: the export must not run ahead of it by more than its window.
      await new Promise((resolve) => setTimeout(resolve, 40));
      afterFirst = requested();
      break;
    }
    expect(afterFirst).toBeGreaterThanOrEqual(4);
    expect(afterFirst).toBeLessThanOrEqual(1 + 2 * 2);
  });

  it('passes listing options through: state, maxItems, pageSize', async () => {
    const { emulator, source } = setup();
    const entries = await collect(
      exportHistory(source, { state: 'closed', maxItems: 4, pageSize: 3 }),
    );
    const closed = emulator
      .conversations()
      .filter((c) => c.state === 'closed')
      .slice(0, 4);
    expect(entries.map((e) => e.conversation.id)).toEqual(closed.map((c) => c.id));
    expect(
      emulator.requests
        .filter((r) => r.includes('/conversations?'))
        .every((r) => r.includes('state=closed')),
    ).toBe(true);
  });

  it('includeRaw: false leaves raw out of conversations and messages', async () => {
    const { source } = setup({ conversations: 5 });
    const entries = await collect(exportHistory(source, { includeRaw: false }));
    expect(entries.every((e) => e.conversation.raw === undefined)).toBe(true);
    expect(entries.flatMap((e) => e.messages).every((m) => m.raw === undefined)).toBe(true);
    const json = JSON.parse(JSON.stringify(entries[0]));
    expect(Object.keys(json.conversation)).not.toContain('raw');
    const withRaw = await collect(exportHistory(source, { maxItems: 1 }));
    expect(withRaw[0]?.conversation.raw).toBeDefined();
  });

  it('leaving the loop cancels everything in flight and sends nothing more', async () => {
    const { emulator, source } = setup({ conversations: 40, latencyMs: 20 });
    for await (const entry of exportHistory(source, { concurrency: 6 })) {
      expect(entry.conversation.id).toBe(emulator.conversations()[0]?.id);
      break;
    }
    const sent = emulator.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(emulator.stats.requests).toBe(sent);
    expect(emulator.stats.inFlight).toBe(0);
  });

  it('an aborted signal ends the export with code aborted', async () => {
    const { source } = setup({ latencyMs: 30 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      collect(exportHistory(source, { signal: controller.signal })),
    ).rejects.toMatchObject({ code: 'aborted' });
  });

  it('a conversation whose messages fail is reached in order: those before it are delivered', async () => {
    // Same seed, same ids: the sixth conversation's message pages always answer 500.
    const failing = String(createOkChatEmulator({ conversations: 12 }).conversations()[5]?.id);
    const { emulator, source } = setup({
      conversations: 12,
      latencyMs: { min: 0, max: 5 },
      faults: { pattern: ({ url }) => (url.pathname.includes(failing) ? '500' : null) },
    });
    const seen: string[] = [];
    let thrown: unknown;
    try {
      for await (const entry of exportHistory(source, { concurrency: 4 }))
        seen.push(entry.conversation.id);
    } catch (error) {
      thrown = error;
    }
    expect(seen).toEqual(
      emulator
        .conversations()
        .slice(0, 5)
        .map((c) => c.id),
    );
    expect(ChatHistoryError.is(thrown) && thrown.code).toBe('server_error');
  });

  it('reports invalid records through onInvalidRecord and goes on', async () => {
    const { emulator } = setup({ conversations: 3 });
    const broken = async (input: Request | string | URL, init?: RequestInit) => {
      const response = await emulator.fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).includes('/messages'))
        return response;
      const body = (await response.json()) as { data: Record<string, unknown>[] };
      if (body.data[0]) body.data[0].created_at = 'not a date';
      return Response.json(body);
    };
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: broken,
    });
    const reports: InvalidRecord[] = [];
    const entries = await collect(
      exportHistory(source, { onInvalidRecord: (r) => reports.push(r) }),
    );
    expect(entries).toHaveLength(3);
    const withMessages = emulator
      .conversations()
      .filter((c) => emulator.messages(String(c.id)).length > 0).length;
    expect(reports).toHaveLength(withMessages);
  });

  it('checks its options at the call', () => {
    const { source, emulator } = setup();
    expect(() => exportHistory(source, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => exportHistory(source, { pageSize: -1 })).toThrow(/pageSize/);
    expect(emulator.stats.requests).toBe(0);
  });
});

describe('exportHistory over several sources', () => {
  it('groups results by source in the order given, each in its listing order, under one budget', async () => {
    const okchat = createOkChatEmulator({ conversations: 7, seed: 3, latencyMs: 3 });
    const chats = createChatsV1Emulator({ chats: 5, seed: 4, latencyMs: 3 });
    const okchatSource = createOkChatSource({
      apiKey: okchat.apiKey,
      chatbotId: okchat.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: okchat.fetch,
    });
    const chatsSource = createChatsV1Source({
      apiKey: chats.apiKey,
      baseURL: 'https://chats.test',
      fetch: chats.fetch,
    });
    const exported: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const counting =
      (fetcher: typeof fetch): typeof fetch =>
      async (input, init) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await fetcher(input, init);
        } finally {
          inFlight -= 1;
        }
      };
    const sources = [
      createOkChatSource({
        apiKey: okchat.apiKey,
        chatbotId: okchat.chatbotId,
        baseURL: 'https://okchat.test',
        fetch: counting(okchat.fetch),
      }),
      createChatsV1Source({
        apiKey: chats.apiKey,
        baseURL: 'https://chats.test',
        fetch: counting(chats.fetch),
      }),
    ];
    for await (const { conversation, messages, source } of exportHistory(sources, {
      concurrency: 3,
      pageSize: 2,
    })) {
      expect(conversation.source).toBe(source.id);
      exported.push(`${source.id}:${conversation.id}:${messages.length}`);
    }
    const expected = [
      ...(await exportHistoryIds(okchatSource)),
      ...(await exportHistoryIds(chatsSource)),
    ];
    expect(exported).toEqual(expected);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('a state filter goes to the sources that can filter; none that can is unsupported', () => {
    const okchat = createOkChatEmulator({ conversations: 2 });
    const chats = createChatsV1Emulator({ chats: 2 });
    const sources = [
      createOkChatSource({
        apiKey: okchat.apiKey,
        chatbotId: okchat.chatbotId,
        fetch: okchat.fetch,
      }),
      createChatsV1Source({ apiKey: chats.apiKey, baseURL: 'https://c.test', fetch: chats.fetch }),
    ];
    expect(() => exportHistory(sources, { state: 'in_progress' })).not.toThrow();
    expect(() => exportHistory([sources[1] as ChatHistorySource], { state: 'x' })).toThrow(
      /does not support filtering conversations by state/,
    );
    expect(() => exportHistory([])).toThrow(/at least one source/);
  });

  it('onMessagesFetched is told each page of messages as it arrives, before the conversation', async () => {
    const emulator = createChatsV1Emulator({ chats: 2, messagesPerChat: 35 });
    const source = createChatsV1Source({
      apiKey: emulator.apiKey,
      baseURL: 'https://c.test',
      fetch: emulator.fetch,
    });
    const events: string[] = [];
    for await (const { conversation, messages } of exportHistory(source, {
      pageSize: 10,
      concurrency: 1,
      onMessagesFetched: (event) => events.push(`${event.conversationId}:${event.messages}`),
    })) {
      events.push(`yield ${conversation.id}:${messages.length}`);
    }
    // Conversations are fetched side by side; each one's pages come in order, before it is yielded.
    for (const id of emulator.chats().map((chat) => String(chat.id))) {
      const pages = events.filter((event) => event.startsWith(`${id}:`));
      expect(pages).toEqual([`${id}:10`, `${id}:10`, `${id}:10`, `${id}:5`]);
      const yielded = events.indexOf(`yield ${id}:35`);
      expect(yielded).toBeGreaterThan(events.lastIndexOf(`${id}:5`));
    }
  });

  it('updatedSince goes to the sources that can filter by it, events come when asked', async () => {
    const intercom = createIntercomEmulator({ conversations: 12 });
    const chats = createChatsV1Emulator({ chats: 3 });
    const sources = [
      createIntercomSource({ accessToken: intercom.accessToken, fetch: intercom.fetch }),
      createChatsV1Source({ apiKey: chats.apiKey, baseURL: 'https://c.test', fetch: chats.fetch }),
    ];
    const boundary = Number(intercom.conversations()[4]?.updated_at);
    const since = new Date(boundary * 1000).toISOString();
    const exported: ConversationExport[] = [];
    for await (const entry of exportHistory(sources, {
      updatedSince: since,
      includeEvents: true,
    })) {
      exported.push(entry);
    }
    const fromIntercom = exported.filter((entry) => entry.conversation.source === 'intercom');
    // Intercom searched: the five updated at or after the time; Chats v1 exported whole.
    expect(fromIntercom.map((entry) => entry.conversation.id)).toEqual(
      intercom
        .conversations()
        .slice(0, 5)
        .map((record) => String(record.id)),
    );
    expect(exported.filter((entry) => entry.conversation.source === 'chats-v1')).toHaveLength(3);
    expect(intercom.requests.filter((request) => request.startsWith('POST '))).toHaveLength(1);
    for (const entry of fromIntercom) {
      // Every part, events included, after the opening message.
      expect(entry.messages).toHaveLength(intercom.parts(entry.conversation.id).length + 1);
    }
    expect(() => exportHistory([sources[1] as ChatHistorySource], { updatedSince: since })).toThrow(
      /does not support filtering conversations by updatedSince/,
    );
  });
});

async function exportHistoryIds(source: ChatHistorySource): Promise<string[]> {
  const ids: string[] = [];
  for await (const { conversation, messages } of exportHistory(source, { pageSize: 2 })) {
    ids.push(`${source.id}:${conversation.id}:${messages.length}`);
  }
  return ids;
}
