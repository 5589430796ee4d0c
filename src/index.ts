export {
  type ChatHistorySource,
  defineSource,
  type ListConversationsOptions,
  type ListMessagesOptions,
  type SourceCapabilities,
  type SourceDefinition,
} from './chat-history-source.js';
export {
  ChatHistoryError,
  type ChatHistoryErrorCode,
  type ChatHistoryErrorOptions,
} from './errors/chat-history-error.js';
export { unsupported } from './errors/unsupported.js';
export {
  type ConversationExport,
  type ExportHistoryOptions,
  exportHistory,
  type MessagesFetched,
} from './export-history.js';
export { encodePathSegment } from './http/encode-path-segment.js';
export {
  createHttpClient,
  type FetchFunction,
  type GetJsonOptions,
  type HttpClient,
  type HttpClientOptions,
  type HttpOptions,
  type QueryValue,
} from './http/http-client.js';
export { DEFAULT_RETRY, type RetryOptions } from './http/retry.js';
export {
  type Attachment,
  type AttachmentKind,
  AttachmentKindSchema,
  AttachmentSchema,
  type Conversation,
  ConversationSchema,
  type LastMessage,
  LastMessageSchema,
  type Message,
  MessageSchema,
  MetadataSchema,
  type Participant,
  ParticipantSchema,
  type Recording,
  RecordingSchema,
  type Role,
  RoleSchema,
  TimestampSchema,
  type ToolCall,
  ToolCallSchema,
  type ToolResult,
  ToolResultSchema,
  type Usage,
  UsageSchema,
} from './model/canonical-schemas.js';
export {
  inferMediaType,
  kindOfMediaType,
  type MediaTypeInfo,
  mediaTypeFromFileName,
} from './model/media-type.js';
export { type EpochUnit, InvalidTimestampError, normalizeTimestamp } from './model/timestamp.js';
export { type CursorInfo, cursorStrategy, type OpaqueCursor } from './paginate/cursor-strategy.js';
export { type OffsetCursor, type OffsetInfo, offsetStrategy } from './paginate/offset-strategy.js';
export {
  type PageNumberCursor,
  type PageNumberInfo,
  pageNumberStrategy,
} from './paginate/page-number-strategy.js';
export { MAX_CONCURRENCY, paginate } from './paginate/paginate.js';
export { createPaginated, type OpenPages, type Paginated } from './paginate/paginated.js';
export type {
  CursorRepeatedWarning,
  DriftWarning,
  FetchedPage,
  InvalidRecord,
  ListingWarning,
  MapResult,
  Page,
  PageCursor,
  PageWarning,
  PaginatedListDefinition,
  PaginateOptions,
  PaginationStrategy,
  RecordIssue,
  RequestLimiter,
  RequestSent,
  TruncatedWarning,
} from './paginate/types.js';
export {
  type ChatsV1SourceOptions,
  createChatsV1Source,
} from './providers/chats-v1/chats-v1-source.js';
export {
  createIntercomSource,
  INTERCOM_DEFAULT_BASE_URL,
  type IntercomSourceOptions,
} from './providers/intercom/intercom-source.js';
export {
  createOkChatSource,
  OKCHAT_DEFAULT_BASE_URL,
  type OkChatSourceOptions,
} from './providers/okchat/okchat-source.js';
export type {
  ChangeCounts,
  CheckpointRow,
  ConversationCheckpoint,
  SourceKey,
  SourceState,
  Store,
  StoreBatch,
  StoreBatchResult,
  StoreContents,
  StoredConversation,
  StoreKind,
  StoreSync,
} from './store/store.js';
export type { ConversationTask } from './sync/read-conversation.js';
export {
  type SourceSyncReport,
  type SyncHistoryOptions,
  type SyncProgress,
  type SyncReport,
  syncHistory,
} from './sync/sync-history.js';
export { VERSION } from './version.js';
