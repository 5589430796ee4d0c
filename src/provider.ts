// `chat-history-kit/provider`: the kit for adding a vendor of your own.
export type {
  ChatHistorySource,
  ListConversationsOptions,
  ListMessagesOptions,
  SourceCapabilities,
} from './chat-history-source.js';
export { ChatHistoryError } from './errors/chat-history-error.js';
export type { QueryValue } from './http/http-client.js';
export type { Attachment, Conversation, Message, Role } from './model/canonical-schemas.js';
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
export type {
  FetchedPage,
  PageCursor,
  PageWarning,
  PaginationStrategy,
} from './paginate/types.js';
export {
  type ConversationFilters,
  type ConversationsRequest,
  defineVendor,
  type ListingDescriptor,
  type MessageContext,
  type MessagesRequest,
  pathSegment,
  type RecordContext,
  type SourceOptions,
  type StringOptionKeys,
  type Vendor,
  type VendorDescriptor,
  type VendorListing,
  type VendorOptionSpec,
  type VendorRequest,
} from './providers/define-vendor.js';
export { InvalidFieldError, timestampField } from './providers/map-record.js';
export {
  CountSchema,
  NumericIdSchema,
  StringOrNumericIdSchema,
  WellFormedStringSchema,
  WireIdOrNumberSchema,
  WireIdSchema,
  WireMetadataSchema,
  WireTimestampSchema,
} from './providers/wire-fields.js';
export { type WireGuard, wireGuard } from './providers/wire-guard.js';
