import type { ChatHistorySource } from '../../chat-history-source.js';
import { pageNumberStrategy } from '../../paginate/page-number-strategy.js';
import { defineVendor, pathSegment, type SourceOptions } from '../define-vendor.js';
import { mapOkChatConversation } from './map-okchat-conversation.js';
import { mapOkChatMessage } from './map-okchat-message.js';
import {
  OkChatConversationSchema,
  OkChatMessageSchema,
  type OkChatPage,
  OkChatPageSchema,
} from './okchat-api.js';

/** Options of {@link createOkChatSource}. */
export interface OkChatSourceOptions extends SourceOptions {
  /** API key, sent as the `x-api-key` header. Never logged or put in an error. */
  apiKey: string;
  /** The chatbot whose history to read; also the source's `account`. */
  chatbotId: string;
  /**
   * Base URL of the OkChat API.
   * @default 'https://v2.okchat.ai'
   */
  baseURL?: string;
  /**
   * Records per request when a list call sets no `pageSize`. OkChat may return fewer (it clamps);
   * listings follow its `totalPages` either way.
   * @default 50
   */
  pageSize?: number;
}

export const OKCHAT_DEFAULT_BASE_URL = 'https://v2.okchat.ai';

const readOkChatPage = (page: OkChatPage) => ({
  records: page.data,
  info: { totalPages: page.metadata?.totalPages },
  total: page.metadata?.totalCount ?? undefined,
});

const botPath = (options: OkChatSourceOptions) =>
  `/api/external/chatbot/${pathSegment(options.chatbotId)}`;

/**
 * OkChat: conversations of one chatbot (newest first, filterable by `state`) and their messages
 * (oldest first), paged by `page`/`limit` with totals, so pages can be fetched ahead.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md
 */
export const okchat = defineVendor<OkChatSourceOptions>()({
  id: 'okchat',
  name: 'OkChat',
  defaultBaseURL: OKCHAT_DEFAULT_BASE_URL,
  options: {
    apiKey: { label: 'API key', description: 'sent as x-api-key', required: true, secret: true },
    chatbotId: {
      label: 'chatbot id',
      description: 'whose history to read',
      required: true,
      pathSegment: true,
    },
  },
  headers: (options) => ({ 'x-api-key': options.apiKey }),
  account: (options) => options.chatbotId,
  strategy: pageNumberStrategy({ firstPage: 1 }),
  conversations: {
    filters: { state: true },
    request: ({ cursor, options, state }) => ({
      path: `${botPath(options)}/conversations`,
      query: { page: cursor.page, limit: cursor.limit, state },
    }),
    // { data: [...], metadata: { currentPage, pageSize, totalCount, totalPages } }
    envelope: OkChatPageSchema,
    readPage: readOkChatPage,
    record: OkChatConversationSchema,
    map: mapOkChatConversation,
  },
  messages: {
    request: ({ cursor, options, conversationId }) => ({
      path: `${botPath(options)}/conversations/${pathSegment(conversationId)}/messages`,
      query: { page: cursor.page, limit: cursor.limit },
    }),
    envelope: OkChatPageSchema,
    readPage: readOkChatPage,
    record: OkChatMessageSchema,
    map: mapOkChatMessage,
  },
});

/**
 * A {@link ChatHistorySource} for OkChat: conversations of one chatbot (newest first, filterable
 * by `state`) and their messages (oldest first), paged by `page`/`limit`.
 *
 * @example
 * const okchat = createOkChatSource({ apiKey: process.env.OKCHAT_API_KEY ?? '', chatbotId });
 * for await (const conversation of okchat.listConversations({ state: 'in_progress' })) { ... }
 */
export function createOkChatSource(options: OkChatSourceOptions): ChatHistorySource {
  return okchat.createSource(options);
}
