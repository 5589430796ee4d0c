import type { ChatHistorySource } from '../../chat-history-source.js';
import { invalidArgument } from '../../errors/invalid-argument.js';
import { cursorStrategy } from '../../paginate/cursor-strategy.js';
import type { FetchedPage, PageWarning } from '../../paginate/types.js';
import { quoted } from '../../text/safe-text.js';
import { defineVendor, pathSegment, type SourceOptions } from '../define-vendor.js';
import {
  countOf,
  type IntercomConversation,
  IntercomConversationItemSchema,
  type IntercomConversationList,
  IntercomConversationListSchema,
  IntercomConversationSchema,
  IntercomPartSchema,
} from './intercom-api.js';
import { mapIntercomConversation } from './map-intercom-conversation.js';
import { isEventPart, mapIntercomPart } from './map-intercom-part.js';

/** Options of {@link createIntercomSource}. */
export interface IntercomSourceOptions extends SourceOptions {
  /** Access token (of an app, or OAuth), sent as `Authorization: Bearer`. Never logged or put in an error. */
  accessToken: string;
  /**
   * Base URL of the workspace's region: `https://api.eu.intercom.io`, `https://api.au.intercom.io`.
   * @default 'https://api.intercom.io'
   */
  baseURL?: string;
  /**
   * API version, sent as the `Intercom-Version` header.
   * @default '2.14'
   */
  apiVersion?: string;
  /**
   * Label of the account (the workspace) the source reads, on every record.
   * @default 'default'
   */
  account?: string;
  /**
   * Conversations per request when a list call sets no `pageSize`: 1 to 150.
   * @default 50
   */
  pageSize?: number;
}

export const INTERCOM_DEFAULT_BASE_URL = 'https://api.intercom.io';
export const INTERCOM_DEFAULT_API_VERSION = '2.14';
/** The most conversations a page can hold (`per_page`). */
export const INTERCOM_MAX_PAGE_SIZE = 150;

/** `2.14`, `1.0`, `Unstable`: what `Intercom-Version` takes. */
const API_VERSION = /^(?:\d{1,3}\.\d{1,3}|Unstable)$/;

function apiVersionOf(version: string | undefined): string {
  if (version === undefined) return INTERCOM_DEFAULT_API_VERSION;
  if (!API_VERSION.test(version)) {
    throw invalidArgument(
      `apiVersion must be an Intercom API version such as ${INTERCOM_DEFAULT_API_VERSION} or Unstable, got ${quoted(version, 40)}`,
      'intercom',
    );
  }
  return version;
}

const readConversationList = (page: IntercomConversationList) => ({
  records: page.conversations,
  info: { nextCursor: page.pages?.next?.starting_after },
  total: countOf(page.total_count),
});

/**
 * Unix seconds for `updatedSince` (canonical), rounded up: Intercom's `>` on a date matches the
 * second itself too, so `> ceil(t)` is "at or after t" (it refuses `>=` on dates).
 */
export function searchSeconds(canonical: string): number {
  const seconds = Date.parse(`${canonical.slice(0, 19)}Z`) / 1000;
  const fraction = canonical.slice(20, 26);
  return Math.max(0, fraction === '000000' ? seconds : seconds + 1);
}

/**
 * A conversation's messages as one page: its opening `source`, then its parts oldest first,
 * events among them only when asked; a `truncated` warning when Intercom returned fewer parts
 * than the conversation has (it returns at most the 500 most recent).
 */
function readConversation(
  conversation: IntercomConversation,
  request: { conversationId: string; includeEvents: boolean },
): FetchedPage<{ nextCursor: null }> {
  const parts = conversation.conversation_parts?.conversation_parts ?? [];
  const records: unknown[] = [];
  if (conversation.source != null) records.push(conversation.source);
  for (const part of oldestFirst(parts)) {
    if (request.includeEvents || !isEventPart(part)) records.push(part);
  }
  const total = countOf(conversation.conversation_parts?.total_count);
  const warnings: PageWarning[] = [];
  if (total !== undefined && total > parts.length) {
    warnings.push({
      code: 'truncated',
      message: `Intercom returned ${parts.length} of the ${total} parts of conversation ${quoted(request.conversationId, 40)}: its API serves at most the 500 most recent, so the older ones are missing`,
      conversationId: request.conversationId,
      returned: parts.length,
      total,
    });
  }
  return { records, info: { nextCursor: null }, warnings };
}

/** Parts by `created_at`, keeping the API's order for ties and for parts without a time. */
function oldestFirst(parts: readonly unknown[]): readonly unknown[] {
  const timeOf = (part: unknown): number => {
    const time = (part as { created_at?: unknown } | null)?.created_at;
    return typeof time === 'number' && Number.isFinite(time) ? time : Number.NaN;
  };
  let sorted = true;
  let last = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    const time = timeOf(part);
    if (Number.isNaN(time)) continue;
    if (time < last) {
      sorted = false;
      break;
    }
    last = time;
  }
  if (sorted) return parts;
  // Only timed parts move; each untimed one keeps its slot.
  const timed = parts
    .map((part, index) => ({ part, index, time: timeOf(part) }))
    .filter((entry) => !Number.isNaN(entry.time))
    .sort((a, b) => a.time - b.time || a.index - b.index);
  let next = 0;
  return parts.map((part) => (Number.isNaN(timeOf(part)) ? part : timed[next++]?.part));
}

/**
 * Intercom: conversations in its listing order (by `starting_after` cursors), or searched by
 * update time, and each one's messages, its opening message and parts, in one request.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/intercom.md
 */
export const intercom = defineVendor<IntercomSourceOptions>()({
  id: 'intercom',
  name: 'Intercom',
  defaultBaseURL: INTERCOM_DEFAULT_BASE_URL,
  options: {
    accessToken: {
      label: 'access token',
      description: 'sent as Authorization: Bearer',
      required: true,
      secret: true,
    },
    apiVersion: {
      label: 'API version',
      description: `sent as Intercom-Version; default ${INTERCOM_DEFAULT_API_VERSION}`,
    },
    account: { label: 'account', description: "a label for records; default: 'default'" },
  },
  headers: (options) => ({
    Authorization: `Bearer ${options.accessToken}`,
    'Intercom-Version': apiVersionOf(options.apiVersion),
  }),
  account: (options) => options.account ?? 'default',
  maxPageSize: INTERCOM_MAX_PAGE_SIZE,
  strategy: cursorStrategy(),
  conversations: {
    filters: { updatedSince: true },
    request: ({ cursor, updatedSince }) =>
      updatedSince === undefined
        ? {
            path: '/conversations',
            query: { per_page: cursor.limit, starting_after: cursor.cursor ?? undefined },
          }
        : {
            method: 'POST',
            path: '/conversations/search',
            body: {
              query: { field: 'updated_at', operator: '>', value: searchSeconds(updatedSince) },
              pagination: {
                per_page: cursor.limit,
                ...(cursor.cursor === null ? {} : { starting_after: cursor.cursor }),
              },
            },
          },
    // { type: 'conversation.list', conversations: [...], total_count, pages: { next } }
    envelope: IntercomConversationListSchema,
    readPage: readConversationList,
    record: IntercomConversationItemSchema,
    map: mapIntercomConversation,
  },
  messages: {
    request: ({ conversationId }) => ({
      path: `/conversations/${pathSegment(conversationId)}`,
      query: { display_as: 'plaintext' },
    }),
    // The conversation: { created_at, source, conversation_parts: { conversation_parts, total_count } }
    envelope: IntercomConversationSchema,
    readPage: readConversation,
    record: IntercomPartSchema,
    map: mapIntercomPart,
  },
});

/**
 * A {@link ChatHistorySource} for Intercom: conversations in its listing order, and each one's
 * messages (its opening message, then its parts, oldest first). `listConversations({
 * updatedSince })` asks Intercom's search for recently updated ones only.
 *
 * @example
 * const intercom = createIntercomSource({ accessToken: process.env.INTERCOM_ACCESS_TOKEN ?? '' });
 * const messages = await intercom.listMessages('1295').toArray();
 */
export function createIntercomSource(options: IntercomSourceOptions): ChatHistorySource {
  return intercom.createSource(options);
}
