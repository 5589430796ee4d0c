import {
  type ConversationPlan,
  createHistoryEmulator,
  type HistoryEmulator,
} from '../../testing/emulated-history.js';
import { type EmulatorOptions, matchPath, readNumber } from '../../testing/emulator.js';
import { between, createRandom, hashSeed, pick, randomUuid } from '../../testing/random.js';

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
export interface ChatsV1Emulator extends HistoryEmulator {
  /** Every chat as the API lists it now: the same as `conversations()`. */
  chats: HistoryEmulator['conversations'];
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

interface ChatPlan extends ConversationPlan {
  createdAt: number;
  withSystemPrompt: boolean;
}

/**
 * A Chats v1 API emulator: `GET /api/v1/chats` and `GET /api/v1/chats/{chat_id}/messages`
 * (offset, limit; `{ ..., total, offset, limit, has_more }`), with `X-API-Key` auth, 404s, page
 * clamping, latency, faults and optionally lying totals.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/chats-v1.md
 */
export function createChatsV1Emulator(options: ChatsV1EmulatorOptions = {}): ChatsV1Emulator {
  const seed = options.seed ?? 1;
  const apiKey = options.apiKey ?? 'sandbox-chats-v1-key';
  const maxPageSize = options.maxPageSize ?? 100;
  const perChat = options.messagesPerChat ?? { min: 1, max: 40 };
  const reportTotal = options.reportTotal ?? ((truth: number) => truth);

  const plans = Array.from({ length: options.chats ?? 20 }, (_, index) => {
    const random = createRandom(hashSeed(seed, 'chats-v1-chat', index));
    const id = `chat_${randomUuid(random).replaceAll('-', '').slice(0, 20)}`;
    const createdAt = FIRST_CHAT + index * 3_600_000 + between(random, 0, 600) * 1000;
    const messageCount =
      typeof perChat === 'number' ? perChat : between(random, perChat.min, perChat.max);
    const withSystemPrompt = random() < 0.1;
    const record = {
      id,
      title: pick(random, USER_TEXTS).slice(0, 32),
      created_at: isoSeconds(createdAt),
      updated_at: isoSeconds(createdAt + messageCount * 5000),
      metadata: { channel: pick(random, ['web', 'ios', 'android'] as const) },
    };
    return { index, id, record, messageCount, createdAt, withSystemPrompt };
  });

  function messageAt(plan: ChatPlan, position: number) {
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

  const emulator = createHistoryEmulator(
    {
      vendor: 'chats-v1',
      apiKey,
      authHeader: 'x-api-key',
      unauthorized: () => Response.json({ detail: 'Invalid or missing API key' }, { status: 401 }),
      plans,
      messageAt,
      freshConversation(where, sequence) {
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
        const index = plans.length + sequence;
        return { index, id, record, messageCount: 0, createdAt: at, withSystemPrompt: false };
      },
      // A message added or removed updates its chat.
      messageChangesUpdateConversation: true,
      touchedConversation: (record, sequence) => ({
        ...record,
        updated_at: isoSeconds(Date.UTC(2025, 0, 1) + sequence * 60_000),
      }),
      freshMessage(plan, where, sequence) {
        const at = plan.createdAt + (where === 'front' ? -1 : 1) * (sequence + 1) * 3_600_000;
        return {
          ...messageAt(plan, sequence),
          id: `msg-live-${sequence}`,
          created_at: isoSeconds(at),
        };
      },
      /** `{ chats | messages: [...], total, offset, limit, has_more }` */
      envelope: (served, listing) => ({
        [listing === 'conversations' ? 'chats' : 'messages']: served.records,
        total: reportTotal(served.total),
        offset: served.start,
        limit: served.limit,
        has_more: served.end < served.total,
      }),
      route(url, history) {
        const params =
          matchPath(url, '/api/v1/chats') ?? matchPath(url, '/api/v1/chats/{chatId}/messages');
        if (params === undefined) return notFound('Not Found');
        const offset = readNumber(url, 'offset', 0);
        const limit = readNumber(url, 'limit', 1);
        if (offset === null || limit === null) {
          return Response.json(
            { detail: 'offset and limit must be whole numbers' },
            { status: 422 },
          );
        }
        const start = offset ?? 0;
        const size = Math.min(limit ?? 50, maxPageSize);
        if (params.chatId === undefined) {
          return history.serveConversations(start, size);
        }
        const plan = history.find(params.chatId);
        if (plan === undefined) return notFound('Chat not found');
        return history.serveMessages(plan, start, size);
      },
    },
    options,
  );
  return Object.assign(emulator, { chats: () => emulator.conversations() });
}

function isoSeconds(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

function notFound(detail: string): Response {
  return Response.json({ detail }, { status: 404 });
}
