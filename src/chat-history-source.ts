import { unsupported } from './errors/unsupported.js';
import type { Conversation, Message } from './model/canonical-schemas.js';
import type { Paginated } from './paginate/paginated.js';
import type { PaginateOptions } from './paginate/types.js';

/** What a source can do. Asking for something it cannot do throws code `unsupported`. */
export interface SourceCapabilities {
  /** `listConversations()` works. */
  readonly listConversations: boolean;
  /** `listMessages()` works. */
  readonly listMessages: boolean;
  /** `listConversations({ state })` filters by the vendor's conversation state. */
  readonly filterConversationsByState: boolean;
  /** `listConversations({ updatedSince })` asks the vendor for recently updated conversations only. */
  readonly filterConversationsByUpdatedSince: boolean;
  /**
   * The vendor reports totals, so `concurrency > 1` keeps several pages in flight. Without
   * totals, pages are fetched one after another whatever `concurrency` says.
   */
  readonly prefetchPages: boolean;
}

/** Options of `listConversations()`. */
export interface ListConversationsOptions extends PaginateOptions {
  /** Only conversations in this vendor state (`in_progress`, ...), where the vendor can filter. */
  state?: string;
  /**
   * Only conversations updated at or after this time (ISO 8601), where the vendor can filter
   * (`capabilities.filterConversationsByUpdatedSince`); elsewhere code `unsupported`.
   */
  updatedSince?: string;
}

/** Options of `listMessages()`. */
export interface ListMessagesOptions extends PaginateOptions {
  /**
   * Also yield the events a vendor records in a conversation (Intercom: assignments, state
   * changes, each as a `system` message with text `''` and `metadata.partType`). Vendors that
   * record none ignore it.
   * @default false
   */
  includeEvents?: boolean;
}

/** One vendor's conversation history, in the canonical shape. */
export interface ChatHistorySource {
  /** Provider key: `'okchat'`, `'chats-v1'`, ... */
  readonly id: string;
  /**
   * Stable label of the vendor account the source reads (OkChat: the chatbot id; Chats v1: the
   * base URL's host, unless the `account` option says otherwise). Every record carries it, so
   * records of two accounts of one vendor never collide on `(source, account, id)`.
   */
  readonly account: string;
  readonly capabilities: SourceCapabilities;
  /** Conversations in the vendor's listing order. */
  listConversations(options?: ListConversationsOptions): Paginated<Conversation>;
  /** Messages of one conversation, oldest first. */
  listMessages(conversationId: string, options?: ListMessagesOptions): Paginated<Message>;
}

/** The parts a new source is made of; a missing list method is reported as unsupported. */
export interface SourceDefinition {
  id: string;
  /** @default 'default' */
  account?: string;
  capabilities?: Partial<Omit<SourceCapabilities, 'listConversations' | 'listMessages'>>;
  listConversations?: ChatHistorySource['listConversations'];
  listMessages?: ChatHistorySource['listMessages'];
}

/** Builds a {@link ChatHistorySource}, filling in `capabilities` and `unsupported` errors. */
export function defineSource(definition: SourceDefinition): ChatHistorySource {
  const { id } = definition;
  const capabilities: SourceCapabilities = Object.freeze({
    listConversations: definition.listConversations !== undefined,
    listMessages: definition.listMessages !== undefined,
    filterConversationsByState: definition.capabilities?.filterConversationsByState ?? false,
    filterConversationsByUpdatedSince:
      definition.capabilities?.filterConversationsByUpdatedSince ?? false,
    prefetchPages: definition.capabilities?.prefetchPages ?? false,
  });
  return Object.freeze({
    id,
    account: definition.account ?? 'default',
    capabilities,
    listConversations:
      definition.listConversations ??
      (() => {
        throw unsupported(id, 'listing conversations');
      }),
    listMessages:
      definition.listMessages ??
      (() => {
        throw unsupported(id, 'listing messages');
      }),
  });
}
