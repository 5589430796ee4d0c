import { delay, HttpResponse, http } from 'msw';
import conversationsPage from '../fixtures/okchat-conversations.page1.json' with { type: 'json' };
import messagesPage from '../fixtures/okchat-messages.page1.json' with { type: 'json' };

export const OKCHAT_BASE = 'https://okchat.test';
export const OKCHAT_KEY = '15a23c21867f4f38b0b46f5e4adb1caf87a040b34eb58f68';
export const CHATBOT_ID = '5afe16ed-5fd2-4552-a993-903bc9c32bb6';

type WireRecord = Record<string, unknown>;

export interface OkChatVendorOptions {
  conversations?: number;
  messagesPerConversation?: number;
  /** Largest page the server returns, whatever `limit` asks. */
  clamp?: number;
  latencyMs?: number;
  /** Answers request number `n` with this response instead (to inject faults). */
  override?: (n: number, url: URL) => Response | undefined;
}

/** Conversations shaped like OkChat's example, newest first, alternating states. */
export function makeConversations(count: number): WireRecord[] {
  const templates = conversationsPage.data as WireRecord[];
  return Array.from({ length: count }, (_, n) => {
    const template = templates[n % templates.length] as WireRecord;
    const created = new Date(Date.UTC(2025, 2, 1) + (count - n) * 60_000).toISOString();
    return {
      ...template,
      id: `conv-${String(n).padStart(4, '0')}`,
      state: n % 3 === 0 ? 'closed' : 'in_progress',
      created_at: created.replace('Z', '+00:00'),
    };
  });
}

/** Messages shaped like OkChat's example, oldest first. */
export function makeMessages(sessionId: string, count: number): WireRecord[] {
  const templates = messagesPage.data as WireRecord[];
  return Array.from({ length: count }, (_, n) => {
    const template = templates[n % templates.length] as WireRecord;
    const created = new Date(Date.UTC(2025, 2, 5) + n * 1000).toISOString();
    return {
      ...template,
      id: `${sessionId}-msg-${String(n).padStart(4, '0')}`,
      session_id: sessionId,
      created_at: created.replace('Z', '123+00:00'),
    };
  });
}

function pageOf(records: WireRecord[], url: URL, clamp: number) {
  const page = Number(url.searchParams.get('page') ?? '1');
  const limit = Math.min(Number(url.searchParams.get('limit') ?? '10'), clamp);
  const data = records.slice((page - 1) * limit, page * limit);
  return {
    data,
    metadata: {
      currentPage: page,
      pageSize: limit,
      totalCount: records.length,
      totalPages: Math.ceil(records.length / limit),
    },
  };
}

/** msw handlers for an OkChat account with generated data, recording every request. */
export function okchatVendor(options: OkChatVendorOptions = {}) {
  const conversations = makeConversations(options.conversations ?? 25);
  const messages = new Map(
    conversations.map((c) => [
      c.id as string,
      makeMessages(c.id as string, options.messagesPerConversation ?? 15),
    ]),
  );
  const requests: URL[] = [];
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const clamp = options.clamp ?? 100;

  const handler = http.get(
    `${OKCHAT_BASE}/api/external/chatbot/:bot/*`,
    async ({ request, params }) => {
      const url = new URL(request.url);
      const n = requests.length;
      requests.push(url);
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      try {
        if (options.latencyMs) await delay(options.latencyMs);
        const injected = options.override?.(n, url);
        if (injected) return injected;
        if (request.headers.get('x-api-key') !== OKCHAT_KEY) {
          return HttpResponse.json({ error: 'Invalid API key' }, { status: 401 });
        }
        if (params.bot !== CHATBOT_ID)
          return HttpResponse.json({ error: 'Chatbot not found' }, { status: 404 });
        const rest = url.pathname.split('/').slice(5);
        if (rest.length === 1 && rest[0] === 'conversations') {
          const state = url.searchParams.get('state');
          const listed = state ? conversations.filter((c) => c.state === state) : conversations;
          return HttpResponse.json(pageOf(listed, url, clamp));
        }
        if (rest.length === 3 && rest[0] === 'conversations' && rest[2] === 'messages') {
          const list = messages.get(decodeURIComponent(rest[1] ?? ''));
          if (!list) return HttpResponse.json({ error: 'Conversation not found' }, { status: 404 });
          return HttpResponse.json(pageOf(list, url, clamp));
        }
        return HttpResponse.json({ error: 'Not found' }, { status: 404 });
      } finally {
        inFlight -= 1;
      }
    },
  );
  return { handler, conversations, messages, requests, stats };
}
