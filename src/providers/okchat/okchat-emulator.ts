import {
  type ConversationPlan,
  createHistoryEmulator,
  type HistoryEmulator,
  type WireRecord,
} from '../../testing/emulated-history.js';
import { type EmulatorOptions, matchPath, readNumber } from '../../testing/emulator.js';
import {
  between,
  createRandom,
  hashSeed,
  pick,
  randomDigits,
  randomString,
  randomUuid,
} from '../../testing/random.js';

/** Options of {@link createOkChatEmulator}. */
export interface OkChatEmulatorOptions extends EmulatorOptions {
  /**
   * @default 'sandbox-okchat-key'
   */
  apiKey?: string;
  /**
   * The one chatbot the emulator knows; others get 404.
   * @default '5afe16ed-5fd2-4552-a993-903bc9c32bb6'
   */
  chatbotId?: string;
  /**
   * Conversations of the chatbot.
   * @default 40
   */
  conversations?: number;
  /**
   * Messages of each (non-voice) conversation: a number, or a range drawn from per conversation.
   * @default { min: 2, max: 30 }
   */
  messagesPerConversation?: number | { min: number; max: number };
}

/** An emulated OkChat API over generated data shaped like the vendor's examples. */
export interface OkChatEmulator extends HistoryEmulator {
  readonly chatbotId: string;
  /** Every conversation as the API lists it now, newest first. */
  conversations(): readonly WireRecord[];
}

const PLATFORMS = [
  'web',
  'whatsapp',
  'instagram',
  'facebook-messenger',
  'line',
  'navertalktalk',
  'voice',
] as const;
const ATTACHMENT_TYPES = [
  'png',
  'jpeg',
  'jpg',
  'gif',
  'webp',
  'heic',
  'pdf',
  'docx',
  'mp3',
  'm4a',
  'mp4',
  'txt',
] as const;
const MODELS = [
  ['gpt-4o', 'openai'],
  ['gpt-4o-mini', 'openai'],
  ['claude-3-5-sonnet', 'anthropic'],
] as const;
const OPERATOR_TYPES = ['agent', 'human', 'admin', 'operator', 'staff'] as const;
const PROMPTS = [
  'Describe this image',
  'Best places to visit in Bangkok',
  'hello describe these images',
  'Can you help me reset my password?',
  'What are your opening hours?',
  'I want to talk to a person',
  'describe this image pls',
  'How do I change my delivery address?',
] as const;
const REPLIES = [
  'The image depicts a serene camping scene set in a mountainous landscape.',
  'Here are a few places worth a visit: the Grand Palace, Wat Arun and Chatuchak market.',
  'Of course. Open Settings, choose Security, then Reset password.',
  'We are open from 9:00 to 18:00, Monday to Saturday.',
  'This image shows a city skyline at sunrise, with warm light on the buildings.',
] as const;
const OPERATOR_REPLIES = [
  'Hi, this is Mina from support. I am looking into it now.',
  'Thanks for waiting. Your address has been updated.',
  'I have escalated this to our billing team.',
] as const;

const NEWEST = Date.UTC(2025, 2, 7, 5, 0, 0);
const CONVERSATION_SPACING_MS = 37 * 60_000;
const MESSAGE_SPACING_MS = 45_000;

interface OkChatPlan extends ConversationPlan {
  createdAt: number;
  handoffAt: number;
  operatorType: string;
}

/**
 * An OkChat API emulator: `GET /api/external/chatbot/{chatbotId}/conversations` (page, limit,
 * state; newest first) and `.../conversations/{sessionId}/messages` (page, limit; oldest first),
 * with `x-api-key` auth, 404s, page clamping, latency and faults. Messages are generated on
 * demand, so large data sets take little memory.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md
 */
export function createOkChatEmulator(options: OkChatEmulatorOptions = {}): OkChatEmulator {
  const seed = options.seed ?? 1;
  const apiKey = options.apiKey ?? 'sandbox-okchat-key';
  const chatbotId = options.chatbotId ?? '5afe16ed-5fd2-4552-a993-903bc9c32bb6';
  const maxPageSize = options.maxPageSize ?? 100;
  const perConversation = options.messagesPerConversation ?? { min: 2, max: 30 };

  const plans = Array.from({ length: options.conversations ?? 40 }, (_, index) =>
    planConversation(index),
  );

  function planConversation(index: number): OkChatPlan {
    const random = createRandom(hashSeed(seed, 'okchat-conversation', index));
    const platform = PLATFORMS[index % PLATFORMS.length] ?? 'web';
    const voice = platform === 'voice';
    const id = randomUuid(random);
    const createdAt = NEWEST - index * CONVERSATION_SPACING_MS - between(random, 0, 30 * 60_000);
    const messageCount = voice
      ? 0
      : typeof perConversation === 'number'
        ? perConversation
        : between(random, perConversation.min, perConversation.max);
    const humanMode = !voice && random() < 0.2;
    const userId = random() < 0.15 ? randomUuid(random) : null;
    const plan: OkChatPlan = {
      index,
      id,
      record: {},
      messageCount,
      createdAt,
      handoffAt: humanMode ? Math.ceil(messageCount / 2) : Number.POSITIVE_INFINITY,
      operatorType: pick(random, OPERATOR_TYPES),
    };
    const last = messageCount > 0 ? messageAt(plan, messageCount - 1) : undefined;
    const lastUser = messageCount > 0 ? messageAt(plan, (messageCount - 1) & ~1) : undefined;
    plan.record = {
      active: random() < 0.9,
      chatbot_id: chatbotId,
      created_at: postgresTime(createdAt, random),
      id,
      is_human_mode: humanMode,
      last_message: lastMessageOf(index, last, lastUser),
      metadata: voice ? { type: 'voice_chat' } : { anonymous: userId === null },
      migrated_data: false,
      platform,
      session_token: null,
      sns_user_id: externalId(platform, random),
      state: random() < 0.7 ? 'in_progress' : 'closed',
      updated_at: last ? String(last.created_at) : postgresTime(createdAt + 1500, random),
      user_id: userId,
      voice_path: voice
        ? `conversation-voice_assistant_room_${between(random, 1000, 9999)}.ogg`
        : null,
    };
    return plan;
  }

  function messageAt(plan: OkChatPlan, position: number): WireRecord {
    const random = createRandom(hashSeed(seed, 'okchat-message', plan.index, position));
    const at = plan.createdAt + 60 + position * MESSAGE_SPACING_MS + between(random, 0, 40_000);
    const base = {
      id: randomUuid(random),
      session_id: plan.id,
      created_at: postgresTime(at, random),
      migrated_data: false,
      session_token: null,
    };
    if (position % 2 === 0) {
      const attachments = random() < 0.3 ? makeAttachments(random) : null;
      return {
        attachments,
        content: attachments && random() < 0.15 ? null : pick(random, PROMPTS),
        ...base,
        metadata: {},
        model: null,
        provider: null,
        sender_type: 'user',
        tokens_used: 0,
        tool_calls: null,
        tool_results: null,
      };
    }
    if (position >= plan.handoffAt) {
      return {
        attachments: null,
        content: pick(random, OPERATOR_REPLIES),
        ...base,
        metadata: {},
        model: null,
        provider: null,
        sender_type: plan.operatorType,
        tokens_used: 0,
        tool_calls: null,
        tool_results: null,
      };
    }
    const [model, provider] = pick(random, MODELS);
    return {
      attachments: null,
      content: pick(random, REPLIES),
      ...base,
      metadata: random() < 0.6 ? { mid: `msg-${randomString(random, 24)}` } : {},
      model,
      provider,
      sender_type: 'bot',
      tokens_used: random() < 0.3 ? between(random, 20, 900) : 0,
      tool_calls: [],
      tool_results: [],
    };
  }

  const emulator = createHistoryEmulator(
    {
      vendor: 'okchat',
      apiKey,
      authHeader: 'x-api-key',
      unauthorized: () => Response.json({ error: 'Invalid API key' }, { status: 401 }),
      plans,
      messageAt,
      freshConversation(where, sequence) {
        const index = plans.length + sequence;
        const plan = planConversation(index);
        const createdAt =
          where === 'front'
            ? NEWEST + (sequence + 1) * 60_000
            : NEWEST - index * CONVERSATION_SPACING_MS;
        const id = `live-conversation-${sequence}`;
        const record = {
          ...plan.record,
          id,
          created_at: new Date(createdAt).toISOString(),
          updated_at: new Date(createdAt).toISOString(),
        };
        return { ...plan, id, record, messageCount: 0 };
      },
      // A message added or removed updates its conversation, listed newest first.
      messageChangesUpdateConversation: true,
      touchedConversation: (record, sequence) => ({
        ...record,
        updated_at: new Date(NEWEST + (sequence + 1) * 60_000).toISOString(),
      }),
      freshMessage(plan, where, sequence) {
        const at = plan.createdAt + (where === 'front' ? -1 : 1) * (sequence + 1) * 3_600_000;
        return {
          ...messageAt(plan, sequence),
          id: `live-message-${sequence}`,
          created_at: new Date(
            at + (where === 'end' ? plan.messageCount * MESSAGE_SPACING_MS : 0),
          ).toISOString(),
        };
      },
      /** `{ data: [...], metadata: { currentPage, pageSize, totalCount, totalPages } }` */
      envelope: (served) => ({
        data: served.records,
        metadata: {
          currentPage: served.start / served.limit + 1,
          pageSize: served.limit,
          totalCount: served.total,
          totalPages: Math.ceil(served.total / served.limit),
        },
      }),
      route(url, history) {
        const chatbot = '/api/external/chatbot/{bot}/conversations';
        const params = matchPath(url, chatbot) ?? matchPath(url, `${chatbot}/{sessionId}/messages`);
        if (params === undefined) return notFound('Not Found');
        if (params.bot !== chatbotId) return notFound('Chatbot not found');
        const page = readNumber(url, 'page', 1);
        const limit = readNumber(url, 'limit', 1);
        if (page === null) return badRequest('page must be a whole number >= 1');
        if (limit === null) return badRequest('limit must be a whole number >= 1');
        const size = Math.min(limit ?? 10, maxPageSize);
        const start = ((page ?? 1) - 1) * size;
        if (params.sessionId === undefined) {
          const state = url.searchParams.get('state');
          const keep = state ? (record: WireRecord) => record.state === state : undefined;
          return history.serveConversations(start, size, keep);
        }
        const plan = history.find(params.sessionId);
        if (plan === undefined) return notFound('Conversation not found');
        return history.serveMessages(plan, start, size);
      },
    },
    options,
  );
  return Object.assign(emulator, { chatbotId });
}

function lastMessageOf(
  index: number,
  last: WireRecord | undefined,
  lastUser: WireRecord | undefined,
) {
  if (last === undefined) return null;
  // The three forms OkChat sends: an object, the bare text of the last user message, or null.
  const form = index % 3;
  if (form === 0)
    return { content: last.content ?? '', id: last.id, sender_type: last.sender_type };
  if (form === 1) return typeof lastUser?.content === 'string' ? lastUser.content : null;
  return null;
}

function makeAttachments(random: () => number) {
  return Array.from({ length: between(random, 1, 3) }, () => {
    const name = `0.${randomDigits(random, 16)}.${pick(random, ATTACHMENT_TYPES)}`;
    return {
      name,
      url: `https://storage.okchat.test/storage/v1/object/public/user_images/internal/${name}`,
    };
  });
}

function externalId(platform: string, random: () => number): string | null {
  switch (platform) {
    case 'voice':
      return null;
    case 'line':
      return `U${randomString(random, 32, '0123456789abcdef')}`;
    case 'navertalktalk':
      return randomString(random, 22);
    case 'web':
      return randomUuid(random);
    default:
      return randomDigits(random, 15 + Math.floor(random() * 2));
  }
}

/** Postgres' text form of a timestamptz: microseconds with trailing zeros trimmed, `+00:00`. */
function postgresTime(epochMs: number, random: () => number): string {
  const micros = String(between(random, 0, 999)).padStart(3, '0');
  const iso = new Date(epochMs).toISOString();
  const fraction = `${iso.slice(20, 23)}${micros}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}+00:00`;
}

function notFound(error: string): Response {
  return Response.json({ error }, { status: 404 });
}

function badRequest(error: string): Response {
  return Response.json({ error }, { status: 400 });
}
