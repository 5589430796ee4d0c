import { delay, HttpResponse, http } from 'msw';
import messagesPage from '../fixtures/chats-v1-messages.json' with { type: 'json' };

export const CHATS_V1_BASE = 'https://chats.test';
export const CHATS_V1_KEY = 'cv1-key-5b0e2c7d9a41f386';

type WireRecord = Record<string, unknown>;

export interface ChatsV1VendorOptions {
  chats?: number;
  messagesPerChat?: number;
  /** Largest page the server returns, whatever `limit` asks. */
  clamp?: number;
  /** The `total` the envelope reports, from the true count (lying totals). */
  reportTotal?: (truth: number) => number;
  latencyMs?: number;
  /** Answers request number `n` with this response instead (to inject faults). */
  override?: (n: number, url: URL) => Response | undefined;
}

/** Messages shaped like the vendor's example, oldest first. */
export function makeChatMessages(chatId: string, count: number): WireRecord[] {
  const templates = messagesPage.messages as WireRecord[];
  return Array.from({ length: count }, (_, n) => ({
    ...(templates[n % templates.length] as WireRecord),
    id: `${chatId}-msg-${String(n).padStart(4, '0')}`,
    created_at: new Date(Date.UTC(2024, 0, 15, 10, 30) + n * 5000)
      .toISOString()
      .replace('.000', ''),
  }));
}

/** msw handlers for a Chats v1 deployment with generated data, recording every request. */
export function chatsV1Vendor(options: ChatsV1VendorOptions = {}) {
  const chats: WireRecord[] = Array.from({ length: options.chats ?? 3 }, (_, n) => ({
    id: `chat-${String(n).padStart(3, '0')}`,
    title: `Chat ${n}`,
    created_at: new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString(),
    updated_at: new Date(Date.UTC(2024, 0, 2) + n * 3_600_000).toISOString(),
    metadata: { channel: 'web' },
  }));
  const messages = new Map(
    chats.map((chat) => [
      chat.id as string,
      makeChatMessages(chat.id as string, options.messagesPerChat ?? 12),
    ]),
  );
  const requests: URL[] = [];
  const clamp = options.clamp ?? 100;

  function envelope(key: string, records: WireRecord[], url: URL) {
    const offset = Number(url.searchParams.get('offset') ?? '0');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '50'), clamp);
    const page = records.slice(offset, offset + limit);
    return {
      [key]: page,
      total: options.reportTotal ? options.reportTotal(records.length) : records.length,
      offset,
      limit,
      has_more: offset + page.length < records.length,
    };
  }

  const handler = http.get(`${CHATS_V1_BASE}/api/v1/*`, async ({ request }) => {
    const url = new URL(request.url);
    const n = requests.length;
    requests.push(url);
    if (options.latencyMs) await delay(options.latencyMs);
    const injected = options.override?.(n, url);
    if (injected) return injected;
    if (request.headers.get('x-api-key') !== CHATS_V1_KEY) {
      return HttpResponse.json({ detail: 'Invalid or missing API key' }, { status: 401 });
    }
    const parts = url.pathname.split('/').slice(3);
    if (parts.length === 1 && parts[0] === 'chats')
      return HttpResponse.json(envelope('chats', chats, url));
    if (parts.length === 3 && parts[0] === 'chats' && parts[2] === 'messages') {
      const list = messages.get(decodeURIComponent(parts[1] ?? ''));
      if (!list) return HttpResponse.json({ detail: 'Chat not found' }, { status: 404 });
      return HttpResponse.json(envelope('messages', list, url));
    }
    return HttpResponse.json({ detail: 'Not Found' }, { status: 404 });
  });
  return { handler, chats, messages, requests };
}
