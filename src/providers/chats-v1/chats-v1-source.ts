import {
  type ChatHistorySource,
  defineSource,
  type ListConversationsOptions,
  type ListMessagesOptions,
} from '../../chat-history-source.js';
import { invalidArgument, optionsObject } from '../../errors/invalid-argument.js';
import { unsupported } from '../../errors/unsupported.js';
import { encodePathSegment } from '../../http/encode-path-segment.js';
import { createHttpClient, type HttpOptions, pickHttpOptions } from '../../http/http-client.js';
import type { Conversation, Message } from '../../model/canonical-schemas.js';
import {
  type OffsetCursor,
  type OffsetInfo,
  offsetStrategy,
} from '../../paginate/offset-strategy.js';
import { paginate } from '../../paginate/paginate.js';
import type { FetchedPage } from '../../paginate/types.js';
import { mapRecordWith } from '../map-record.js';
import { parseEnvelope } from '../parse-envelope.js';
import {
  ChatsV1ChatSchema,
  ChatsV1ChatsPageSchema,
  ChatsV1MessageSchema,
  ChatsV1MessagesPageSchema,
  isChatsV1Chat,
  isChatsV1ChatsPage,
  isChatsV1Message,
  isChatsV1MessagesPage,
} from './chats-v1-api.js';
import { mapChatsV1Chat } from './map-chats-v1-chat.js';
import { mapChatsV1Message } from './map-chats-v1-message.js';

const SOURCE = 'chats-v1';

/** Options of {@link createChatsV1Source}. */
export interface ChatsV1SourceOptions extends HttpOptions {
  /** API key, sent as the `X-API-Key` header. Never logged or put in an error. */
  apiKey: string;
  /**
   * Base URL of the deployment (each has its own host), e.g. `https://api.example.com`.
   * Required: an absolute http(s) URL.
   */
  baseURL: string;
  /**
   * Records per request when a list call sets none. The server may return fewer; the next
   * request starts after the records it actually returned.
   * @default 50
   */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * A {@link ChatHistorySource} for the generic Chats v1 API: chats and their messages (oldest
 * first), paged by `offset`/`limit` until `has_more` is false.
 *
 * @example
 * const v1 = createChatsV1Source({ apiKey: process.env.CHATS_V1_API_KEY, baseURL });
 * const messages = await v1.listMessages('chat-123').toArray();
 */
export function createChatsV1Source(options: ChatsV1SourceOptions): ChatHistorySource {
  const { apiKey } = optionsObject(options, 'createChatsV1Source options', SOURCE);
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw invalidArgument('apiKey is required (the Chats v1 API key, sent as X-API-Key)', SOURCE);
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`, SOURCE);
  }
  const http = createHttpClient({
    source: SOURCE,
    baseURL: options.baseURL,
    headers: { 'X-API-Key': apiKey },
    secrets: [apiKey],
    ...pickHttpOptions(options),
  });
  const strategy = offsetStrategy();

  async function fetchPage<Key extends 'messages' | 'chats'>(
    path: string,
    key: Key,
    cursor: OffsetCursor,
    signal: AbortSignal,
  ): Promise<FetchedPage<OffsetInfo>> {
    const body = await http.getJson(path, {
      query: { offset: cursor.offset, limit: cursor.limit },
      signal,
    });
    // { messages | chats: [...], total, offset, limit, has_more }
    const page =
      key === 'messages'
        ? parseEnvelope(
            ChatsV1MessagesPageSchema,
            body,
            { source: SOURCE, path },
            isChatsV1MessagesPage,
          )
        : parseEnvelope(ChatsV1ChatsPageSchema, body, { source: SOURCE, path }, isChatsV1ChatsPage);
    return {
      records: 'messages' in page ? page.messages : page.chats,
      info: { hasMore: page.has_more ?? null },
      total: page.total ?? undefined,
    };
  }

  function listConversations(listOptions?: ListConversationsOptions) {
    const { state, ...engineOptions } = optionsObject(listOptions, 'options', SOURCE);
    if (state !== undefined) throw unsupported(SOURCE, 'filtering conversations by state');
    const path = '/api/v1/chats';
    return paginate<OffsetCursor, OffsetInfo, Conversation>(
      {
        source: SOURCE,
        strategy,
        redact: http.redact,
        defaultPageSize: pageSize,
        maxPageSize: MAX_PAGE_SIZE,
        fetchPage: (cursor, { signal }) => fetchPage(path, 'chats', cursor, signal),
        mapRecord: (record) =>
          mapRecordWith(ChatsV1ChatSchema, record, mapChatsV1Chat, isChatsV1Chat),
        keyOf: (conversation) => conversation.id,
      },
      engineOptions,
    );
  }

  function listMessages(chatId: string, listOptions?: ListMessagesOptions) {
    const path = `/api/v1/chats/${encodePathSegment(chatId, 'chatId', SOURCE)}/messages`;
    const context = { conversationId: chatId };
    return paginate<OffsetCursor, OffsetInfo, Message>(
      {
        source: SOURCE,
        strategy,
        redact: http.redact,
        defaultPageSize: pageSize,
        maxPageSize: MAX_PAGE_SIZE,
        fetchPage: (cursor, { signal }) => fetchPage(path, 'messages', cursor, signal),
        mapRecord: (record) =>
          mapRecordWith(
            ChatsV1MessageSchema,
            record,
            (wire, raw) => mapChatsV1Message(wire, raw, context),
            isChatsV1Message,
          ),
        keyOf: (message) => message.id,
      },
      listOptions,
    );
  }

  return defineSource({
    id: SOURCE,
    capabilities: { filterConversationsByState: false, prefetchPages: true },
    listConversations,
    listMessages,
  });
}
