import { createChatsV1Source, createOkChatSource, type FetchFunction } from '../src/index.js';
import { createChatsV1Emulator, createOkChatEmulator } from '../src/testing/index.js';
import { assert, medianTime, ms, ratio, startRemoteSandbox, table } from './support.js';

const LATENCY_MS = 25;
const PAGES = 60;
const PAGE_SIZE = 20;
const RUNS = 5;

/**
 * 1. Latency-bound export of one 60-page conversation and one 60-page chat over loopback, 25 ms
 * per request: a hand-written sequential loop against the library at concurrency 1, 4 and 8.
 * 5. Prefetch waste: requests sent past the real end when the reported total overstates.
 */
export async function latencyBenchmark(): Promise<string> {
  const data = {
    okchat: { conversations: 1, messagesPerConversation: PAGES * PAGE_SIZE, latencyMs: LATENCY_MS },
    chatsV1: { chats: 1, messagesPerChat: PAGES * PAGE_SIZE, latencyMs: LATENCY_MS },
  };
  const sandbox = await startRemoteSandbox(data);
  try {
    // Same options, same seed: the same data as the served emulators, to check what arrives.
    const okchat = createOkChatEmulator(data.okchat);
    const chats = createChatsV1Emulator(data.chatsV1);
    const sessionId = String(okchat.conversations()[0]?.id);
    const chatId = String(chats.chats()[0]?.id);
    const okchatIds = okchat.messages(sessionId).map((m) => m.id);
    const chatIds = chats.messages(chatId).map((m) => m.id);

    /** What users write by hand: fetch a page, read it, ask for the next. */
    const sequentialOkChat = async () => {
      const ids: unknown[] = [];
      for (let page = 1; ; page++) {
        const url = `${sandbox.okchat.url}/api/external/chatbot/${okchat.chatbotId}/conversations/${sessionId}/messages?page=${page}&limit=${PAGE_SIZE}`;
        const body = (await (
          await fetch(url, { headers: { 'x-api-key': okchat.apiKey } })
        ).json()) as {
          data: { id: string }[];
          metadata: { totalPages: number };
        };
        for (const record of body.data) ids.push(record.id);
        if (page >= body.metadata.totalPages) break;
      }
      assert(ids.length === okchatIds.length, 'sequential OkChat loop got every message');
    };
    const sequentialChats = async () => {
      const ids: unknown[] = [];
      for (let offset = 0; ; ) {
        const url = `${sandbox.chatsV1.url}/api/v1/chats/${chatId}/messages?offset=${offset}&limit=${PAGE_SIZE}`;
        const body = (await (
          await fetch(url, { headers: { 'x-api-key': chats.apiKey } })
        ).json()) as {
          messages: { id: string }[];
          has_more: boolean;
        };
        for (const record of body.messages) ids.push(record.id);
        offset += body.messages.length;
        if (!body.has_more || body.messages.length === 0) break;
      }
      assert(ids.length === chatIds.length, 'sequential Chats v1 loop got every message');
    };

    const okchatSource = createOkChatSource({
      apiKey: okchat.apiKey,
      chatbotId: okchat.chatbotId,
      baseURL: sandbox.okchat.url,
    });
    const chatsSource = createChatsV1Source({ apiKey: chats.apiKey, baseURL: sandbox.chatsV1.url });
    const vendors = [
      {
        name: 'okchat',
        sequential: sequentialOkChat,
        library: (concurrency: number) => async () => {
          const items = await okchatSource
            .listMessages(sessionId, { pageSize: PAGE_SIZE, concurrency })
            .toArray();
          assert(
            items.map((m) => m.id).join() === okchatIds.join(),
            `OkChat in order at concurrency ${concurrency}`,
          );
        },
      },
      {
        name: 'chats-v1',
        sequential: sequentialChats,
        library: (concurrency: number) => async () => {
          const items = await chatsSource
            .listMessages(chatId, { pageSize: PAGE_SIZE, concurrency })
            .toArray();
          assert(
            items.map((m) => m.id).join() === chatIds.join(),
            `Chats v1 in order at concurrency ${concurrency}`,
          );
        },
      },
    ];

    const rows: string[][] = [];
    for (const vendor of vendors) {
      const baseline = await medianTime(RUNS, vendor.sequential);
      rows.push([
        vendor.name,
        'sequential fetch loop',
        ms(baseline),
        '1.00x',
        ms(PAGES * LATENCY_MS),
        '',
      ]);
      for (const concurrency of [1, 4, 8]) {
        const time = await medianTime(RUNS, vendor.library(concurrency));
        const ideal = (1 + Math.ceil((PAGES - 1) / concurrency)) * LATENCY_MS;
        rows.push([
          vendor.name,
          `chat-history-kit, concurrency ${concurrency}`,
          ms(time),
          ratio(baseline / time),
          ms(ideal),
          ratio(time / ideal),
        ]);
      }
    }

    // 5. Totals that overstate: has_more is the truth, predictions past the end are waste.
    const waste: string[][] = [];
    const lying = await startRemoteSandbox({
      chatsV1: { chats: 1, messagesPerChat: PAGES * PAGE_SIZE, latencyMs: 2 },
      reportTotalFactor: 3,
    });
    try {
      for (const concurrency of [1, 4, 8, 16]) {
        let sent = 0;
        const counting: FetchFunction = (input, init) => {
          sent += 1;
          return fetch(input, init);
        };
        const source = createChatsV1Source({
          apiKey: lying.chatsV1.apiKey,
          baseURL: lying.chatsV1.url,
          fetch: counting,
        });
        const items = await source
          .listMessages(chatId, { pageSize: PAGE_SIZE, concurrency })
          .toArray();
        assert(items.length === PAGES * PAGE_SIZE, 'every message despite the lying total');
        const extra = sent - PAGES;
        assert(
          extra <= concurrency - 1,
          `waste at concurrency ${concurrency} is at most concurrency - 1`,
        );
        waste.push([String(concurrency), String(sent), String(extra), String(concurrency - 1)]);
      }
    } finally {
      await lying.close();
    }

    return [
      table(
        `1. Latency-bound export: ${PAGES} pages x ${PAGE_SIZE} per vendor, ${LATENCY_MS} ms per request (median of ${RUNS})`,
        ['vendor', 'variant', 'median', 'vs sequential', 'ideal', 'vs ideal'],
        rows,
      ),
      table(
        `5. Prefetch waste: Chats v1 reporting total = 3 x truth + 50 (${PAGES} real pages)`,
        ['concurrency', 'requests', 'past the end', 'bound (c - 1)'],
        waste,
      ),
    ].join('\n');
  } finally {
    await sandbox.close();
  }
}
