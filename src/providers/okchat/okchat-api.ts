import { z } from 'zod';
import {
  isNonEmptyString,
  isNullishArray,
  isNullishArrayOf,
  isNullishBoolean,
  isNullishCount,
  isNullishPlainObject,
  isNullishString,
  isNullishWellFormedString,
  isNullishWireTimestamp,
  isPlainObject,
  isString,
  isWireId,
  isWireTimestamp,
} from '../guards.js';
import {
  CountSchema,
  StringOrNumericIdSchema,
  WellFormedStringSchema,
  WireIdSchema,
  WireMetadataSchema,
  WireTimestampSchema,
} from '../wire-fields.js';

/**
 * OkChat's wire format, validated leniently: `.nullish()` wherever the vendor may send `null` or
 * leave a field out, so that only what the mapping truly needs can reject a record.
 * @see ../shared/seeds/000_*.txt and 001_*.txt (Get Messages), 002_*.txt (Get Conversations)
 */

/** `{ data: [...], metadata: { currentPage, pageSize, totalCount, totalPages } }` */
export const OkChatPageSchema = z.object({
  data: z.array(z.unknown()),
  metadata: z
    .object({
      currentPage: CountSchema.nullish(),
      pageSize: CountSchema.nullish(),
      totalCount: CountSchema.nullish(),
      totalPages: CountSchema.nullish(),
    })
    .nullish(),
});
export type OkChatPage = z.infer<typeof OkChatPageSchema>;

/** Ids of people on messaging channels are numeric on some of them. */
const externalId = StringOrNumericIdSchema;

export const OkChatAttachmentSchema = z.object({
  name: z.string().nullish(),
  url: z.string().min(1),
});

/** One record of `GET .../conversations/{sessionId}/messages`. */
export const OkChatMessageSchema = z.object({
  id: WireIdSchema,
  session_id: WellFormedStringSchema.nullish(),
  sender_type: z.string(),
  content: z.string().nullish(),
  attachments: z.array(OkChatAttachmentSchema).nullish(),
  created_at: WireTimestampSchema,
  metadata: WireMetadataSchema.nullish(),
  model: z.string().nullish(),
  provider: z.string().nullish(),
  tokens_used: z.number().int().nonnegative().nullish(),
  tool_calls: z.array(z.unknown()).nullish(),
  tool_results: z.array(z.unknown()).nullish(),
  migrated_data: z.boolean().nullish(),
  session_token: z.string().nullish(),
});
export type OkChatMessage = z.infer<typeof OkChatMessageSchema>;

/** `last_message` comes as an object, as the bare text, or as `null`. */
export const OkChatLastMessageSchema = z.union([
  z.string(),
  z.object({
    content: z.string().nullish(),
    id: z.string().nullish(),
    sender_type: z.string().nullish(),
  }),
]);

/** One record of `GET .../conversations`. */
export const OkChatConversationSchema = z.object({
  id: WireIdSchema,
  chatbot_id: z.string().nullish(),
  platform: z.string().nullish(),
  state: z.string().nullish(),
  active: z.boolean().nullish(),
  is_human_mode: z.boolean().nullish(),
  sns_user_id: externalId.nullish(),
  user_id: externalId.nullish(),
  metadata: WireMetadataSchema.nullish(),
  last_message: OkChatLastMessageSchema.nullish(),
  voice_path: z.string().nullish(),
  created_at: WireTimestampSchema,
  updated_at: WireTimestampSchema.nullish(),
  migrated_data: z.boolean().nullish(),
  session_token: z.string().nullish(),
});
export type OkChatConversation = z.infer<typeof OkChatConversationSchema>;

/** Accepts exactly what {@link OkChatPageSchema} accepts, when it would not change the value. */
export function isOkChatPage(value: unknown): value is OkChatPage {
  if (!isPlainObject(value) || !Array.isArray(value.data)) return false;
  const metadata = value.metadata;
  if (metadata == null) return true;
  // Numeric strings are converted by the schema: leave those envelopes to it.
  return (
    isPlainObject(metadata) &&
    isNullishCount(metadata.currentPage) &&
    isNullishCount(metadata.pageSize) &&
    isNullishCount(metadata.totalCount) &&
    isNullishCount(metadata.totalPages)
  );
}

const isAttachment = (value: unknown) =>
  isPlainObject(value) && isNullishString(value.name) && isNonEmptyString(value.url);

/** Accepts exactly what {@link OkChatMessageSchema} accepts. */
export function isOkChatMessage(value: unknown): value is OkChatMessage {
  return (
    isPlainObject(value) &&
    isWireId(value.id) &&
    isNullishWellFormedString(value.session_id) &&
    isString(value.sender_type) &&
    isNullishString(value.content) &&
    isNullishArrayOf(value.attachments, isAttachment) &&
    isWireTimestamp(value.created_at) &&
    isNullishPlainObject(value.metadata) &&
    isNullishString(value.model) &&
    isNullishString(value.provider) &&
    isNullishCount(value.tokens_used) &&
    isNullishArray(value.tool_calls) &&
    isNullishArray(value.tool_results) &&
    isNullishBoolean(value.migrated_data) &&
    isNullishString(value.session_token)
  );
}

const isLastMessage = (value: unknown) =>
  value == null ||
  typeof value === 'string' ||
  (isPlainObject(value) &&
    isNullishString(value.content) &&
    isNullishString(value.id) &&
    isNullishString(value.sender_type));

/**
 * Accepts what {@link OkChatConversationSchema} accepts without changing it: numeric ids are
 * converted to strings by the schema, so those records take the schema's path.
 */
export function isOkChatConversation(value: unknown): value is OkChatConversation {
  return (
    isPlainObject(value) &&
    isWireId(value.id) &&
    isNullishString(value.chatbot_id) &&
    isNullishString(value.platform) &&
    isNullishString(value.state) &&
    isNullishBoolean(value.active) &&
    isNullishBoolean(value.is_human_mode) &&
    isNullishWellFormedString(value.sns_user_id) &&
    isNullishWellFormedString(value.user_id) &&
    isNullishPlainObject(value.metadata) &&
    isLastMessage(value.last_message) &&
    isNullishString(value.voice_path) &&
    isWireTimestamp(value.created_at) &&
    isNullishWireTimestamp(value.updated_at) &&
    isNullishBoolean(value.migrated_data) &&
    isNullishString(value.session_token)
  );
}
