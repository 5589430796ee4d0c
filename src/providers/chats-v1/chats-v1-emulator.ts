import {
  createEmulator,
  decodeSegment,
  type Emulator,
  type EmulatorOptions,
  readNumber,
} from '../../testing/emulator.js';
import { LiveData, type LiveRecords, MessageListings } from '../../testing/live-data.js';
import { between, createRandom, hashSeed, pick, randomUuid } from '../../testing/random.js';

type WireRecord = Record<string, unknown>;

/** Options of {@link createChatsV1Emulator}. */
export interface ChatsV1EmulatorOptions extends EmulatorOptions {
  /**
   * @default 'sandbox-chats-v1-key'
   */
  apiKey?: string;
  /**
   * Chats in the deployment.
   * @default 20
   */
  chats?: number;
  /**
   * Messages of each chat: a number, or a range drawn from per chat.
   * @default { min: 1, max: 40 }
   */
  messagesPerChat?: number | { min: number; max: number };
  /**
   * The `total` the envelope reports, given the true count: make it lie to test clients that
   * trust it. `has_more` always tells the truth.
   * @default the true count
   */
  reportTotal?: (truth: number) => number;
}

/** An emulated Chats v1 API over generated data shaped like the vendor's example. */
export interface ChatsV1Emulator extends Emulator {
  /** Every chat as the API lists it. */
  chats(): readonly WireRecord[];
  /** Every message of one chat as the API returns them, oldest first. */
  messages(chatId: string): WireRecord[];
  totalMessages(): number;
  /** What the `live` option changed, when it is set. */
  readonly live: LiveData | undefined;
}

const USER_TEXTS = [
  'Hello, I need help with my account',
  "I can't log into my account. It says my password is incorrect.",
  'Here is a screenshot of the error',
  'Can you check my last invoice?',
  'Thanks, that worked!',
] as const;
const ASSISTANT_TEXTS = [
  "I'd be happy to help you with your account! What specific issue are you experiencing?",
  "I understand you're having trouble logging in. Let's try resetting your password.",
  'I can see the error in your screenshot: the session expired. Please sign in again.',
  'Your last invoice was paid on the 3rd. Is there anything else?',
] as const;
const MEDIA = [
  ['png', 'image', 'image/png'],
  ['jpg', 'image', 'image/jpeg'],
  ['mp3', 'audio', 'audio/mpeg'],
  ['mp4', 'video', 'video/mp4'],
  ['pdf', null, 'application/pdf'],
] as const;
const MODELS = ['gpt-4', 'gpt-4o', 'gpt-4o-mini'] as const;
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148',
] as const;

const FIRST_CHAT = Date.UTC(2024, 0, 15, 10, 30, 0);

interface ChatPlan {
  index: number;
  id: string;
  record: WireRecord;
  messageCount: number;
  createdAt: number;
  withSystemPrompt: boolean;
}

/**
 * A Chats v1 API emulator: `GET /api/v1/chats` and `GET /api/v1/chats/{chat_id}/messages`
 * (offset, limit; `{ ..., total, offset, limit, has_more }`), with `X-API-Key` auth, 404s, page
 * clamping, latency, faults and optionally lying totals.
 * @see docs/providers/chats-v1.md
 */
export function createChatsV1Emulator(options: ChatsV1EmulatorOptions = {}): ChatsV1Emulator {
  const seed = options.seed ?? 1;
  const apiKey = options.apiKey ?? 'sandbox-chats-v1-key';
  const maxPageSize = options.maxPageSize ?? 100;
  const perChat = options.messagesPerChat ?? { min: 1, max: 40 };
  const reportTotal = options.reportTotal ?? ((truth: number) => truth);

  const plans: ChatPlan[] = [];
  const byId = new Map<string, ChatPlan>();
  for (let index = 0; index < (options.chats ?? 20); index++) {
    const random = createRandom(hashSeed(seed, 'chats-v1-chat', index));
    const id = `chat_${randomUuid(random).replaceAll('-', '').slice(0, 20)}`;
    const createdAt = FIRST_CHAT + index * 3_600_000 + between(random, 0, 600) * 1000;
    const messageCount =
      typeof perChat === 'number' ? perChat : between(random, perChat.min, perChat.max);
    const plan: ChatPlan = {
      index,
      id,
      record: {},
      messageCount,
      createdAt,
      withSystemPrompt: random() < 0.1,
    };
    plan.record = {
      id,
      title: pick(random, USER_TEXTS).slice(0, 32),
      created_at: isoSeconds(createdAt),
      updated_at: isoSeconds(createdAt + messageCount * 5000),
      metadata: { channel: pick(random, ['web', 'ios', 'android'] as const) },
    };
    plans.push(plan);
    byId.set(id, plan);
  }
  const listed = plans.map((plan) => plan.record);
  const live = options.live ? new LiveData(options.live, seed) : undefined;
  const messageListings = new MessageListings<ChatPlan, WireRecord>(live !== undefined, messageAt);
  const messagesOf = (plan: ChatPlan) => messageListings.of(plan);

  const liveChats: LiveRecords<WireRecord> = {
    idOf: (record) => String(record.id),
    fresh(where, sequence) {
      const id = `chat_live_${sequence}`;
      const at =
        where === 'front'
          ? FIRST_CHAT - (sequence + 1) * 60_000
          : Date.UTC(2025, 0, 1) + sequence * 60_000;
      const record = {
        id,
        title: 'New chat',
        created_at: isoSeconds(at),
        updated_at: isoSeconds(at),
        metadata: { channel: 'web' },
      };
      byId.set(id, {
        index: plans.length + sequence,
        id,
        record,
        messageCount: 0,
        createdAt: at,
        withSystemPrompt: false,
      });
      return record;
    },
    touched: (record, sequence) => ({
      ...record,
      updated_at: isoSeconds(Date.UTC(2025, 0, 1) + sequence * 60_000),
    }),
  };

  function liveMessagesOf(plan: ChatPlan): LiveRecords<WireRecord> {
    return {
      idOf: (record) => String(record.id),
      fresh(where, sequence) {
        const at = plan.createdAt + (where === 'front' ? -1 : 1) * (sequence + 1) * 3_600_000;
        return {
          ...messageAt(plan, sequence),
          id: `msg-live-${sequence}`,
          created_at: isoSeconds(at),
        };
      },
    };
  }

  function messageAt(plan: ChatPlan, position: number): WireRecord {
    const random = createRandom(hashSeed(seed, 'chats-v1-message', plan.index, position));
    const id = `msg-${randomUuid(random)}`;
    const created_at = isoSeconds(plan.createdAt + position * 5000 + between(random, 0, 4) * 1000);
    if (position === 0 && plan.withSystemPrompt) {
      return {
        id,
        content: 'You are a helpful support assistant.',
        sender_role: 'system',
        media_type: null,
        media_url: null,
        created_at,
        metadata: {},
      };
    }
    const fromUser = position % 2 === (plan.withSystemPrompt ? 1 : 0);
    if (fromUser) {
      const media = random() < 0.2 ? pick(random, MEDIA) : undefined;
      return {
        id,
        content: pick(random, USER_TEXTS),
        sender_role: 'user',
        // The vendor sends a coarse kind (`image`) or a MIME type; sometimes neither.
        media_type: media ? (random() < 0.5 ? media[1] : media[2]) : null,
        media_url: media
          ? `https://media.chats.test/uploads/${randomUuid(random)}.${media[0]}`
          : null,
        created_at,
        metadata: random() < 0.5 ? { user_agent: pick(random, USER_AGENTS) } : {},
      };
    }
    return {
      id,
      content: pick(random, ASSISTANT_TEXTS),
      sender_role: 'assistant',
      media_type: null,
      media_url: null,
      created_at,
      metadata: { model: pick(random, MODELS), tokens_used: between(random, 20, 400) },
    };
  }

  function route(url: URL): Response {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeSegment);
    const [api, version, chats, chatId, messages, ...rest] = segments;
    if (api !== 'api' || version !== 'v1' || chats !== 'chats' || rest.length > 0) {
      return Response.json({ detail: 'Not Found' }, { status: 404 });
    }
    const offset = readNumber(url, 'offset', 0);
    const limit = readNumber(url, 'limit', 1);
    if (offset === null || limit === null) {
      return Response.json({ detail: 'offset and limit must be whole numbers' }, { status: 422 });
    }
    const window = { offset: offset ?? 0, limit: Math.min(limit ?? 50, maxPageSize) };
    const end = (count: number) => Math.min(window.offset + window.limit, count);
    if (chatId === undefined) {
      // Response.json serializes now: the page is a snapshot taken before the data changes.
      const response = Response.json(
        envelope('chats', listed.length, window, (i) => listed[i] ?? {}),
      );
      live?.afterPage(
        { listing: 'conversations', start: window.offset, end: end(listed.length) },
        listed,
        liveChats,
      );
      return response;
    }
    if (messages !== 'messages') return Response.json({ detail: 'Not Found' }, { status: 404 });
    const plan = byId.get(chatId);
    if (plan === undefined) return Response.json({ detail: 'Chat not found' }, { status: 404 });
    if (live === undefined) {
      return Response.json(
        envelope('messages', plan.messageCount, window, (i) => messageAt(plan, i)),
      );
    }
    const records = messagesOf(plan);
    const response = Response.json(
      envelope('messages', records.length, window, (i) => records[i] ?? {}),
    );
    live.afterPage(
      {
        listing: 'messages',
        conversationId: plan.id,
        start: window.offset,
        end: end(records.length),
      },
      records,
      liveMessagesOf(plan),
    );
    return response;
  }

  /** `{ messages | chats: [...], total, offset, limit, has_more }` */
  function envelope(
    key: 'messages' | 'chats',
    count: number,
    window: { offset: number; limit: number },
    recordAt: (position: number) => WireRecord,
  ) {
    const end = Math.min(window.offset + window.limit, count);
    const records: WireRecord[] = [];
    for (let position = window.offset; position < end; position++) records.push(recordAt(position));
    return {
      [key]: records,
      total: reportTotal(count),
      offset: window.offset,
      limit: window.limit,
      has_more: end < count,
    };
  }

  const emulator = createEmulator(
    {
      vendor: 'chats-v1',
      apiKey,
      authHeader: 'x-api-key',
      unauthorized: () => Response.json({ detail: 'Invalid or missing API key' }, { status: 401 }),
      route,
    },
    options,
  );
  return Object.assign(emulator, {
    chats: () => listed,
    messages(chatId: string) {
      const plan = byId.get(chatId);
      return plan === undefined ? [] : [...messagesOf(plan)];
    },
    totalMessages: () => messageListings.total(listed.map((record) => byId.get(String(record.id)))),
    live,
  });
}

function isoSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}
