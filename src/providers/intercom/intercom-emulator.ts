import {
  type ConversationPlan,
  createHistoryEmulator,
  type EmulatedHistory,
  type HistoryEmulator,
  type WireRecord,
} from '../../testing/emulated-history.js';
import { type EmulatorOptions, matchPath, readNumber } from '../../testing/emulator.js';
import {
  between,
  createRandom,
  hashSeed,
  pick,
  randomString,
  randomUuid,
} from '../../testing/random.js';
import { type Filter, isAfter, readCursor, readFilter, writeCursor } from './intercom-search.js';
import { INTERCOM_MAX_PAGE_SIZE } from './intercom-source.js';
import { isEventPart } from './map-intercom-part.js';

/** Options of {@link createIntercomEmulator}. */
export interface IntercomEmulatorOptions extends EmulatorOptions {
  /**
   * The access token the emulator accepts (as `Authorization: Bearer`); any other gets 401.
   * @default 'dG9rOjFhMmIzYzRkLTVlNmY='
   */
  accessToken?: string;
  /**
   * Conversations in the workspace.
   * @default 20
   */
  conversations?: number;
  /**
   * Conversation parts of each conversation (messages, notes and events): a number, or a range
   * drawn from per conversation.
   * @default { min: 2, max: 30 }
   */
  partsPerConversation?: number | { min: number; max: number };
  /**
   * Most parts a conversation's answer holds: the most recent ones, with the true
   * `total_count`, as Intercom's 500-part limit does.
   * @default 500
   */
  maxParts?: number;
}

/** An emulated Intercom REST API (version 2.14) over generated data shaped like its examples. */
export interface IntercomEmulator extends HistoryEmulator {
  /** The access token the emulator accepts. */
  readonly accessToken: string;
  /**
   * The messages of a conversation as `listMessages` yields them by default: its opening
   * `source`, then every part with a body or attachments (of the ones the API returns).
   */
  messages(conversationId: string): WireRecord[];
  /** Every conversation part of a conversation the API returns now, events included. */
  parts(conversationId: string): WireRecord[];
}

/** Versions `Intercom-Version` takes, as the description lists them. */
const VERSIONS = new Set([
  '1.0',
  '1.1',
  '1.2',
  '1.3',
  '1.4',
  '2.0',
  '2.1',
  '2.2',
  '2.3',
  '2.4',
  '2.5',
  '2.6',
  '2.7',
  '2.8',
  '2.9',
  '2.10',
  '2.11',
  '2.12',
  '2.13',
  '2.14',
  'Unstable',
]);

const CHANNELS = [
  'conversation',
  'conversation',
  'conversation',
  'email',
  'whatsapp',
  'facebook',
  'instagram',
  'sms',
  'phone_call',
] as const;
const CONTACT_TEXTS = [
  'Hi, I was charged twice for my subscription this month.',
  'How do I export my data to CSV?',
  'The mobile app logs me out every few minutes.',
  'Can I change the email address on my account?',
  'Thanks, that fixed it!',
  'Is there a discount for annual plans?',
] as const;
const BOT_TEXTS = [
  "I'm Fin, an AI agent. I can help with billing, exports and account settings.",
  'You can export your data from Settings > Data > Export as CSV.',
  'I found two charges on your account. Let me connect you with the billing team.',
  'Signing out and in again usually fixes repeated logouts. Did that help?',
] as const;
const ADMIN_TEXTS = [
  "Hi, I'm Sam from billing. I've refunded the duplicate charge.",
  'Annual plans are 20% off; I can switch you over now.',
  "I've updated the email address on your account.",
  'Let us know if anything else comes up!',
] as const;
const NOTES = [
  'Refund issued in Stripe, ticket BILL-2231.',
  'Customer on legacy plan; check with finance before discounting.',
] as const;
const EVENTS = [
  'assignment',
  'close',
  'open',
  'snoozed',
  'conversation_attribute_updated_by_admin',
  'custom_action_started',
] as const;
const FILES = [
  ['screenshot.png', 'image/png'],
  ['invoice.pdf', 'application/pdf'],
  ['recording.m4a', 'audio/mp4'],
  ['photo.jpeg', 'image/jpeg'],
] as const;

/** Shaped like Intercom's tokens; shares no 8 characters with anything an error shows. */
const SANDBOX_TOKEN = 'dG9rOjFhMmIzYzRkLTVlNmY=';

/** When the newest conversation was last updated; the others go back an hour each. */
const LATEST_UPDATE = Date.UTC(2025, 2, 5, 12, 0, 0) / 1000;
const ADMIN = { type: 'admin', id: '991267701', name: 'Sam Rivera', email: 'sam@example.com' };
const TEAM_ID = 5_017_691;

interface IntercomPlan extends ConversationPlan {
  createdAt: number;
  /** The part from which admins answer instead of the bot; past the end when none does. */
  handoffAt: number;
  contact: { type: string; id: string; name: string; email: string };
}

/**
 * An Intercom REST API emulator: `GET /conversations` (`per_page`, `starting_after`),
 * `POST /conversations/search` (filters on `updated_at`, `created_at`, `id`, `state`, `open`,
 * combined with `AND`/`OR`), and `GET /conversations/{id}` (the conversation with its parts, at
 * most the most recent `maxParts`), with Bearer auth, `Intercom-Version` checks, Intercom's
 * `error.list` errors, latency, faults and live data.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/intercom.md
 */
export function createIntercomEmulator(options: IntercomEmulatorOptions = {}): IntercomEmulator {
  const seed = options.seed ?? 1;
  const accessToken = options.accessToken ?? options.apiKey ?? SANDBOX_TOKEN;
  const maxPageSize = options.maxPageSize ?? INTERCOM_MAX_PAGE_SIZE;
  const maxParts = options.maxParts ?? 500;
  const perConversation = options.partsPerConversation ?? { min: 2, max: 30 };
  const requestIds = createRandom(hashSeed(seed, 'intercom-request-id'));
  // Conversations created or updated live go to the front of the newest-first listing: each
  // later than every other.
  let latestUpdate = LATEST_UPDATE;
  const newestUpdate = () => {
    latestUpdate += 60;
    return latestUpdate;
  };

  function errorList(status: number, code: string, message: string): Response {
    const body = {
      type: 'error.list',
      request_id: randomUuid(requestIds),
      errors: [{ code, message }],
    };
    return Response.json(body, { status });
  }

  function planAt(index: number, updatedAt: number, partCount: number): IntercomPlan {
    const random = createRandom(hashSeed(seed, 'intercom-conversation', index));
    const id = String(215_470_000_000_000 + index * 37 + between(random, 0, 30));
    const createdAt = updatedAt - (partCount + 1) * 60 - 30;
    const handoffAt = random() < 0.5 ? between(random, 2, Math.max(2, partCount)) : partCount;
    const lead = random() < 0.3;
    const contact = {
      type: lead ? 'lead' : 'user',
      id: randomString(random, 24, '0123456789abcdef'),
      name: pick(random, ['Alex Kim', 'Maria Lopez', 'Chen Wei', 'Priya Nair'] as const),
      email: `customer${index}@example.com`,
    };
    const channel = pick(random, CHANNELS);
    const handedOff = handoffAt < partCount;
    const state = handedOff ? pick(random, ['open', 'closed', 'snoozed'] as const) : 'closed';
    const record: WireRecord = {
      type: 'conversation',
      id,
      title: null,
      created_at: createdAt,
      updated_at: updatedAt,
      waiting_since: null,
      snoozed_until: state === 'snoozed' ? updatedAt + 86_400 : null,
      source: {
        type: channel,
        id: String(403_918_000 + index),
        delivered_as: 'customer_initiated',
        subject: channel === 'email' ? 'Question about my account' : '',
        body: pick(random, CONTACT_TEXTS),
        author: contact,
        attachments: [],
        url: channel === 'conversation' ? 'https://app.example.com/billing' : null,
        redacted: false,
      },
      contacts: {
        type: 'contact.list',
        contacts: [{ type: 'contact', id: contact.id, external_id: lead ? null : `user-${index}` }],
      },
      first_contact_reply: { created_at: createdAt, type: channel, url: null },
      admin_assignee_id: handedOff ? Number(ADMIN.id) : null,
      team_assignee_id: handedOff ? TEAM_ID : null,
      open: state !== 'closed',
      state,
      read: random() < 0.7,
      tags: { type: 'tag.list', tags: [] },
      priority: random() < 0.1 ? 'priority' : 'not_priority',
      sla_applied: null,
      statistics: handedOff
        ? {
            type: 'conversation_statistics',
            first_contact_reply_at: createdAt,
            first_admin_reply_at: createdAt + (handoffAt + 1) * 60,
            count_reopens: 0,
            count_assignments: 1,
            count_conversation_parts: partCount,
          }
        : null,
      conversation_rating: null,
      teammates: {
        type: 'admin.list',
        teammates: handedOff ? [{ type: 'admin', id: ADMIN.id }] : [],
      },
      custom_attributes: {},
      linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
      ai_agent_participated: true,
    };
    return { index, id, record, messageCount: partCount, createdAt, handoffAt, contact };
  }

  const plans = Array.from({ length: options.conversations ?? 20 }, (_, index) => {
    const random = createRandom(hashSeed(seed, 'intercom-parts', index));
    const count =
      typeof perConversation === 'number'
        ? perConversation
        : between(random, perConversation.min, perConversation.max);
    return planAt(index, LATEST_UPDATE - index * 3600, count);
  });

  function partAt(plan: IntercomPlan, position: number, id: string, at: number): WireRecord {
    const random = createRandom(hashSeed(seed, 'intercom-part', plan.index, position));
    const base = {
      type: 'conversation_part',
      id,
      created_at: at,
      updated_at: at,
      notified_at: at,
      assigned_to: null,
      attachments: [] as WireRecord[],
      external_id: null,
      redacted: false,
      email_message_metadata: null,
      state: 'open',
      tags: [],
      event_details: null,
      app_package_code: null,
    };
    const bot = {
      type: 'bot',
      id: '278',
      name: 'Fin',
      email: 'operator+fin@example.com',
      from_ai_agent: true,
      is_ai_answer: true,
    };
    const admin = { ...ADMIN, from_ai_agent: false, is_ai_answer: false };
    if (position > 0 && random() < 0.12) {
      const partType = pick(random, EVENTS);
      return {
        ...base,
        part_type: partType,
        body: null,
        author: position >= plan.handoffAt ? admin : bot,
        assigned_to: partType === 'assignment' ? { type: 'admin', id: ADMIN.id } : null,
        state: partType === 'close' ? 'closed' : partType === 'snoozed' ? 'snoozed' : 'open',
      };
    }
    if (position >= plan.handoffAt && random() < 0.15) {
      return { ...base, part_type: 'note', body: pick(random, NOTES), author: admin };
    }
    if (position % 2 === 0) {
      const file = random() < 0.15 ? pick(random, FILES) : undefined;
      const attachments = file
        ? [
            {
              type: 'upload',
              name: file[0],
              url: `https://downloads.intercomcdn.example/i/o/${randomString(random, 10)}/${file[0]}`,
              content_type: file[1],
              filesize: between(random, 2_000, 900_000),
              ...(file[1].startsWith('image/') ? { width: 1280, height: 720 } : {}),
            },
          ]
        : [];
      return {
        ...base,
        part_type: 'comment',
        // Now and then a file alone, without text.
        body: file && random() < 0.3 ? null : pick(random, CONTACT_TEXTS),
        author: { ...plan.contact, from_ai_agent: false, is_ai_answer: false },
        attachments,
      };
    }
    if (position >= plan.handoffAt) {
      return { ...base, part_type: 'comment', body: pick(random, ADMIN_TEXTS), author: admin };
    }
    return { ...base, part_type: 'comment', body: pick(random, BOT_TEXTS), author: bot };
  }

  const messageAt = (plan: IntercomPlan, position: number) =>
    partAt(
      plan,
      position,
      String(24_000_000_000 + plan.index * 10_000 + position),
      plan.createdAt + (position + 1) * 60,
    );

  /** The parts the API returns of a conversation: the most recent `maxParts`. */
  const servedParts = (history: EmulatedHistory<IntercomPlan>, plan: IntercomPlan) => {
    const count = history.messageCount(plan);
    return { start: Math.max(0, count - maxParts), count };
  };

  const emulator = createHistoryEmulator<IntercomPlan>(
    {
      vendor: 'intercom',
      apiKey: accessToken,
      authHeader: 'authorization',
      authScheme: 'Bearer',
      methods: ['POST'],
      unauthorized: () => errorList(401, 'unauthorized', 'Access Token Invalid'),
      plans,
      messageAt,
      freshConversation(where, sequence) {
        const index = plans.length + sequence;
        const updatedAt =
          where === 'front' ? newestUpdate() : LATEST_UPDATE - (plans.length + sequence + 1) * 3600;
        return planAt(index, updatedAt, 0);
      },
      touchedConversation: (record) => ({ ...record, updated_at: newestUpdate() }),
      // A new part updates its conversation, which Intercom then lists first.
      messageChangesUpdateConversation: true,
      freshMessage(plan, where, sequence) {
        // An appended part is the newest thing in the workspace; its conversation is updated
        // right after it (messageChangesUpdateConversation).
        const at = where === 'front' ? plan.createdAt - (sequence + 1) * 60 : newestUpdate();
        return partAt(plan, 1, String(29_000_000_000 + plan.index * 10_000 + sequence), at);
      },
      envelope(served, listing) {
        if (listing === 'messages') {
          return {
            ...served.conversation,
            conversation_parts: {
              type: 'conversation_part.list',
              conversation_parts: served.records,
              total_count: served.total,
            },
          };
        }
        const last = served.records.at(-1);
        const more = served.end < served.total && last !== undefined;
        return {
          type: 'conversation.list',
          conversations: served.records,
          total_count: served.total,
          pages: {
            type: 'pages',
            page: Math.floor(served.start / served.limit) + 1,
            per_page: served.limit,
            total_pages: Math.max(1, Math.ceil(served.total / served.limit)),
            ...(more
              ? {
                  next: {
                    per_page: served.limit,
                    starting_after: writeCursor(last),
                  },
                }
              : {}),
          },
        };
      },
      checkRequest(request) {
        const version = request.headers.get('intercom-version');
        if (version !== null && !VERSIONS.has(version)) {
          return errorList(
            400,
            'intercom_version_invalid',
            'The requested version could not be found',
          );
        }
        return undefined;
      },
      route(url, history, request) {
        if (matchPath(url, '/conversations/search')) {
          if (request.method !== 'POST') return errorList(404, 'not_found', 'Resource Not Found');
          return search(history, request.body);
        }
        if (request.method !== 'GET') {
          return Response.json({ error: 'Method Not Allowed' }, { status: 405 });
        }
        if (matchPath(url, '/conversations')) {
          const perPage = readNumber(url, 'per_page', 1);
          if (perPage === null) {
            return errorList(400, 'parameter_invalid', 'per_page must be a positive integer');
          }
          return list(history, url.searchParams.get('starting_after'), perPage ?? 20);
        }
        const params = matchPath(url, '/conversations/{id}');
        const plan = params === undefined ? undefined : history.find(params.id ?? '');
        if (plan === undefined) return errorList(404, 'not_found', 'Resource Not Found');
        const { start } = servedParts(history, plan);
        return history.serveMessages(plan, start, maxParts);
      },
    },
    options,
  );

  /** One page of the conversations `keep` accepts, from the first after the cursor `after`. */
  function list(
    history: EmulatedHistory<IntercomPlan>,
    after: string | null | undefined,
    perPage: number,
    keep?: Filter,
  ): Response {
    let start = 0;
    if (after !== null && after !== undefined && after !== '') {
      const cursor = readCursor(after);
      if (cursor === undefined) {
        return errorList(400, 'parameter_invalid', 'starting_after is invalid');
      }
      // The listing is kept newest first: the page starts at the first record past the key.
      const records = keep ? history.conversations().filter(keep) : history.conversations();
      const index = records.findIndex((record) => isAfter(record, cursor));
      start = index >= 0 ? index : records.length;
    }
    return history.serveConversations(start, Math.min(perPage, maxPageSize), keep);
  }

  function search(history: EmulatedHistory<IntercomPlan>, body: unknown): Response {
    if (typeof body !== 'object' || body === null || !('query' in body)) {
      return errorList(400, 'parameter_not_found', 'query is required');
    }
    const { query, pagination } = body as { query: unknown; pagination?: unknown };
    const filter = readFilter(query, 0);
    if (typeof filter === 'string') return errorList(400, 'query_invalid', filter);
    const paging = (pagination ?? {}) as { per_page?: unknown; starting_after?: unknown };
    const perPage = paging.per_page ?? 20;
    if (
      typeof perPage !== 'number' ||
      !Number.isSafeInteger(perPage) ||
      perPage < 1 ||
      perPage > 150
    ) {
      return errorList(400, 'parameter_invalid', 'per_page must be an integer from 1 to 150');
    }
    if (paging.starting_after != null && typeof paging.starting_after !== 'string') {
      return errorList(400, 'parameter_invalid', 'starting_after must be a string');
    }
    return list(history, paging.starting_after, perPage, filter);
  }

  const allParts = emulator.messages;
  const parts = (conversationId: string): WireRecord[] => {
    const all = allParts(conversationId);
    return all.slice(Math.max(0, all.length - maxParts));
  };
  const messages = (conversationId: string): WireRecord[] => {
    const record = emulator.conversations().find((listed) => String(listed.id) === conversationId);
    if (record === undefined) return [];
    const source = record.source as WireRecord;
    return [source, ...parts(conversationId).filter((part) => !isEventPart(part))];
  };
  return Object.assign(emulator, {
    accessToken,
    parts,
    messages,
    totalMessages: () =>
      emulator.conversations().reduce((sum, record) => sum + messages(String(record.id)).length, 0),
  });
}
