import {
  type ChatHistorySource,
  defineSource,
  type ListConversationsOptions,
  type ListMessagesOptions,
} from '../../chat-history-source.js';
import { invalidArgument, optionsObject } from '../../errors/invalid-argument.js';
import { encodePathSegment } from '../../http/encode-path-segment.js';
import { createHttpClient, type HttpOptions, pickHttpOptions } from '../../http/http-client.js';
import type { Conversation, Message } from '../../model/canonical-schemas.js';
import {
  type PageNumberCursor,
  type PageNumberInfo,
  pageNumberStrategy,
} from '../../paginate/page-number-strategy.js';
import { paginate } from '../../paginate/paginate.js';
import type { FetchedPage } from '../../paginate/types.js';
import { isWellFormedText, quoted } from '../../text/safe-text.js';
import { mapRecordWith } from '../map-record.js';
import { parseEnvelope } from '../parse-envelope.js';
import { mapOkChatConversation } from './map-okchat-conversation.js';
import { mapOkChatMessage } from './map-okchat-message.js';
import {
  isOkChatConversation,
  isOkChatMessage,
  isOkChatPage,
  OkChatConversationSchema,
  OkChatMessageSchema,
  OkChatPageSchema,
} from './okchat-api.js';

const SOURCE = 'okchat';

/** Options of {@link createOkChatSource}. */
export interface OkChatSourceOptions extends HttpOptions {
  /** API key, sent as the `x-api-key` header. Never logged or put in an error. */
  apiKey: string;
  /** The chatbot whose history to read. */
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
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * A {@link ChatHistorySource} for OkChat: conversations of one chatbot (newest first, filterable
 * by `state`) and their messages (oldest first), paged by `page`/`limit`.
 *
 * @example
 * const okchat = createOkChatSource({ apiKey: process.env.OKCHAT_API_KEY, chatbotId });
 * for await (const conversation of okchat.listConversations({ state: 'in_progress' })) { ... }
 */
export function createOkChatSource(options: OkChatSourceOptions): ChatHistorySource {
  const { apiKey, chatbotId } = optionsObject(options, 'createOkChatSource options', SOURCE);
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw invalidArgument('apiKey is required (the OkChat API key, sent as x-api-key)', SOURCE);
  }
  if (typeof chatbotId !== 'string' || chatbotId.trim() === '') {
    throw invalidArgument('chatbotId is required', SOURCE);
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`, SOURCE);
  }
  const http = createHttpClient({
    source: SOURCE,
    baseURL: options.baseURL ?? OKCHAT_DEFAULT_BASE_URL,
    headers: { 'x-api-key': apiKey },
    secrets: [apiKey],
    ...pickHttpOptions(options),
  });
  const botPath = `/api/external/chatbot/${encodePathSegment(chatbotId, 'chatbotId', SOURCE)}`;
  const strategy = pageNumberStrategy({ firstPage: 1 });

  async function fetchPage(
    path: string,
    cursor: PageNumberCursor,
    query: Record<string, string | undefined>,
    signal: AbortSignal,
  ): Promise<FetchedPage<PageNumberInfo>> {
    const body = await http.getJson(path, {
      query: { page: cursor.page, limit: cursor.limit, ...query },
      signal,
    });
    // { data: [...], metadata: { currentPage, pageSize, totalCount, totalPages } }
    const page = parseEnvelope(OkChatPageSchema, body, { source: SOURCE, path }, isOkChatPage);
    return {
      records: page.data,
      info: { totalPages: page.metadata?.totalPages },
      total: page.metadata?.totalCount ?? undefined,
    };
  }

  function listConversations(listOptions?: ListConversationsOptions) {
    const { state, ...engineOptions } = optionsObject(listOptions, 'options', SOURCE);
    if (state !== undefined && (typeof state !== 'string' || state === '')) {
      throw invalidArgument('state must be a non-empty string', SOURCE);
    }
    if (state !== undefined && !isWellFormedText(state)) {
      throw invalidArgument(
        `state is not well-formed text (it holds a lone surrogate): ${quoted(state, 40)}`,
        SOURCE,
      );
    }
    const path = `${botPath}/conversations`;
    return paginate<PageNumberCursor, PageNumberInfo, Conversation>(
      {
        source: SOURCE,
        strategy,
        redact: http.redact,
        defaultPageSize: pageSize,
        maxPageSize: MAX_PAGE_SIZE,
        fetchPage: (cursor, { signal }) => fetchPage(path, cursor, { state }, signal),
        mapRecord: (record) =>
          mapRecordWith(
            OkChatConversationSchema,
            record,
            mapOkChatConversation,
            isOkChatConversation,
          ),
        keyOf: (conversation) => conversation.id,
      },
      engineOptions,
    );
  }

  function listMessages(sessionId: string, listOptions?: ListMessagesOptions) {
    const conversation = encodePathSegment(sessionId, 'conversationId', SOURCE);
    const path = `${botPath}/conversations/${conversation}/messages`;
    const context = { conversationId: sessionId };
    return paginate<PageNumberCursor, PageNumberInfo, Message>(
      {
        source: SOURCE,
        strategy,
        redact: http.redact,
        defaultPageSize: pageSize,
        maxPageSize: MAX_PAGE_SIZE,
        fetchPage: (cursor, { signal }) => fetchPage(path, cursor, {}, signal),
        mapRecord: (record) =>
          mapRecordWith(
            OkChatMessageSchema,
            record,
            (wire, raw) => mapOkChatMessage(wire, raw, context),
            isOkChatMessage,
          ),
        keyOf: (message) => message.id,
      },
      listOptions,
    );
  }

  return defineSource({
    id: SOURCE,
    capabilities: { filterConversationsByState: true, prefetchPages: true },
    listConversations,
    listMessages,
  });
}
