import { createOkChatSource, exportHistory } from '../src/index.js';
import { createOkChatEmulator } from '../src/testing/index.js';
import { assert, medianTime, ms, ratio, startRemoteSandbox, table } from './support.js';

const CONVERSATIONS = 400;
const LATENCY_MS = 25;
const PAGE_SIZE = 20;
const RUNS = 3;

/**
 * 4. Many small conversations (1 to 3 message pages each), 25 ms per request: a sequential loop
 * over conversations and their pages against exportHistory at concurrency 4 and 8.
 */
export async function manyConversationsBenchmark(): Promise<string> {
  const data = {
    okchat: {
      conversations: CONVERSATIONS,
      messagesPerConversation: { min: 1, max: 3 * PAGE_SIZE },
      latencyMs: LATENCY_MS,
    },
  };
  const local = createOkChatEmulator(data.okchat);
  const expected = local
    .conversations()
    .flatMap((c) => local.messages(String(c.id)).map((m) => m.id));
  const pages = local
    .conversations()
    .reduce(
      (sum, c) => sum + Math.max(1, Math.ceil(local.messages(String(c.id)).length / PAGE_SIZE)),
      0,
    );
  const sandbox = await startRemoteSandbox(data);
  try {
    const { url, apiKey, chatbotId } = sandbox.okchat;
    const headers = { 'x-api-key': apiKey };
    const get = async <T>(path: string) =>
      (await (await fetch(`${url}${path}`, { headers })).json()) as T;

    /** What users write by hand: each listing page, then each conversation's pages, in turn. */
    const sequential = async () => {
      const ids: unknown[] = [];
      for (let page = 1; ; page++) {
        const listing = await get<{ data: { id: string }[]; metadata: { totalPages: number } }>(
          `/api/external/chatbot/${chatbotId}/conversations?page=${page}&limit=50`,
        );
        for (const conversation of listing.data) {
          for (let messagePage = 1; ; messagePage++) {
            const body = await get<{ data: { id: string }[]; metadata: { totalPages: number } }>(
              `/api/external/chatbot/${chatbotId}/conversations/${conversation.id}/messages?page=${messagePage}&limit=${PAGE_SIZE}`,
            );
            for (const message of body.data) ids.push(message.id);
            if (messagePage >= body.metadata.totalPages) break;
          }
        }
        if (page >= listing.metadata.totalPages) break;
      }
      assert(ids.join() === expected.join(), 'sequential loop got every message in order');
    };
    const source = createOkChatSource({ apiKey, chatbotId, baseURL: url });
    const library = (concurrency: number) => async () => {
      const ids: string[] = [];
      for await (const { messages } of exportHistory(source, {
        concurrency,
        pageSize: PAGE_SIZE,
      })) {
        for (const message of messages) ids.push(message.id);
      }
      assert(
        ids.join() === expected.join(),
        `exportHistory in order at concurrency ${concurrency}`,
      );
    };

    // Each run takes seconds: no warm-up run.
    const timed = (task: () => Promise<void>) => medianTime(RUNS, task, { warmup: false });
    const baseline = await timed(sequential);
    const rows = [['sequential loop over conversations', ms(baseline), '1.00x']];
    for (const concurrency of [4, 8]) {
      const time = await timed(library(concurrency));
      rows.push([`exportHistory, concurrency ${concurrency}`, ms(time), ratio(baseline / time)]);
    }
    return table(
      `4. Many small conversations: ${CONVERSATIONS} conversations, ${expected.length} messages in ${pages} pages of ${PAGE_SIZE} (+ listing), ${LATENCY_MS} ms per request (median of ${RUNS})`,
      ['variant', 'median', 'vs sequential'],
      rows,
    );
  } finally {
    await sandbox.close();
  }
}
