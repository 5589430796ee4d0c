import type { ChatHistorySource } from '../../chat-history-source.js';
import { offsetStrategy } from '../../paginate/offset-strategy.js';
import { defineVendor, pathSegment, type SourceOptions } from '../define-vendor.js';
import {
  ChatsV1ChatSchema,
  ChatsV1ChatsPageSchema,
  ChatsV1MessageSchema,
  ChatsV1MessagesPageSchema,
  type ChatsV1PageFields,
} from './chats-v1-api.js';
import { mapChatsV1Chat } from './map-chats-v1-chat.js';
import { mapChatsV1Message } from './map-chats-v1-message.js';

/** Options of {@link createChatsV1Source}. */
export interface ChatsV1SourceOptions extends SourceOptions {
  /** API key, sent as the `X-API-Key` header. Never logged or put in an error. */
  apiKey: string;
  /**
   * Base URL of the deployment (each has its own host), e.g. `https://api.example.com`.
   * Required: an absolute http(s) URL.
   */
  baseURL: string;
  /**
   * Label of the account the source reads, on every record.
   * @default the base URL's host, port included (`api.example.com`)
   */
  account?: string;
  /**
   * Records per request when a list call sets none. The server may return fewer; the next
   * request starts after the records it actually returned.
   * @default 50
   */
  pageSize?: number;
}

/** What every page envelope says besides its records: `{ total, offset, limit, has_more }`. */
const pageInfo = (page: ChatsV1PageFields) => ({
  info: { hasMore: page.has_more ?? null },
  total: page.total ?? undefined,
});

/**
 * The generic Chats v1 API: chats and their messages (oldest first), paged by `offset`/`limit`
 * until `has_more` is false, each deployment on its own host.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/chats-v1.md
 */
export const chatsV1 = defineVendor<ChatsV1SourceOptions>()({
  id: 'chats-v1',
  name: 'Chats v1',
  options: {
    apiKey: { label: 'API key', description: 'sent as X-API-Key', required: true, secret: true },
    baseURL: {
      label: 'base URL',
      description: 'of the deployment, e.g. https://api.example.com',
      required: true,
    },
    account: { label: 'account', description: "a label for records; default: the base URL's host" },
  },
  headers: (options) => ({ 'X-API-Key': options.apiKey }),
  account: (options, baseURL) => options.account ?? baseURL.host,
  strategy: offsetStrategy(),
  conversations: {
    request: ({ cursor }) => ({
      path: '/api/v1/chats',
      query: { offset: cursor.offset, limit: cursor.limit },
    }),
    // { chats: [...], total, offset, limit, has_more }
    envelope: ChatsV1ChatsPageSchema,
    readPage: (page) => ({ records: page.chats, ...pageInfo(page) }),
    record: ChatsV1ChatSchema,
    map: mapChatsV1Chat,
  },
  messages: {
    request: ({ cursor, conversationId }) => ({
      path: `/api/v1/chats/${pathSegment(conversationId)}/messages`,
      query: { offset: cursor.offset, limit: cursor.limit },
    }),
    // { messages: [...], total, offset, limit, has_more }
    envelope: ChatsV1MessagesPageSchema,
    readPage: (page) => ({ records: page.messages, ...pageInfo(page) }),
    record: ChatsV1MessageSchema,
    map: mapChatsV1Message,
  },
});

/**
 * A {@link ChatHistorySource} for the generic Chats v1 API: chats and their messages (oldest
 * first), paged by `offset`/`limit` until `has_more` is false.
 *
 * @example
 * const v1 = createChatsV1Source({ apiKey: process.env.CHATS_V1_API_KEY ?? '', baseURL });
 * const messages = await v1.listMessages('chat-123').toArray();
 */
export function createChatsV1Source(options: ChatsV1SourceOptions): ChatHistorySource {
  return chatsV1.createSource(options);
}
