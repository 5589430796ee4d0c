import { z } from 'zod';
import {
  isNullishBoolean,
  isNullishCount,
  isNullishPlainObject,
  isNullishString,
  isNullishWireTimestamp,
  isPlainObject,
  isString,
  isWireId,
  isWireTimestamp,
} from '../guards.js';
import {
  CountSchema,
  WireIdSchema,
  WireMetadataSchema,
  WireTimestampSchema,
} from '../wire-fields.js';

/**
 * The generic Chats v1 API's wire format, validated leniently (`.nullish()` wherever a field may
 * be `null` or missing).
 * @see ../shared/seeds/003_*.txt (Chats: Get Chat Messages)
 */

/** What every page envelope says besides its records. */
const pageFields = {
  total: CountSchema.nullish(),
  offset: CountSchema.nullish(),
  limit: CountSchema.nullish(),
  has_more: z.boolean().nullish(),
};

/** `{ messages: [...], total, offset, limit, has_more }` */
export const ChatsV1MessagesPageSchema = z.object({
  messages: z.array(z.unknown()),
  ...pageFields,
});

/**
 * `{ chats: [...], total, offset, limit, has_more }`. The vendor document shows only the
 * messages endpoint of its "Chats" section; this listing's shape is inferred from it.
 */
export const ChatsV1ChatsPageSchema = z.object({ chats: z.array(z.unknown()), ...pageFields });

/** One record of `GET /api/v1/chats/{chat_id}/messages`. */
export const ChatsV1MessageSchema = z.object({
  id: WireIdSchema,
  content: z.string().nullish(),
  sender_role: z.string(),
  media_type: z.string().nullish(),
  media_url: z.string().nullish(),
  created_at: WireTimestampSchema,
  metadata: WireMetadataSchema.nullish(),
});
export type ChatsV1Message = z.infer<typeof ChatsV1MessageSchema>;

/** One record of `GET /api/v1/chats` (inferred: only these fields are relied on). */
export const ChatsV1ChatSchema = z.object({
  id: WireIdSchema,
  created_at: WireTimestampSchema,
  updated_at: WireTimestampSchema.nullish(),
  metadata: WireMetadataSchema.nullish(),
});
export type ChatsV1Chat = z.infer<typeof ChatsV1ChatSchema>;

const hasPageFields = (value: Record<string, unknown>) =>
  isNullishCount(value.total) &&
  isNullishCount(value.offset) &&
  isNullishCount(value.limit) &&
  isNullishBoolean(value.has_more);

/** Accepts what {@link ChatsV1MessagesPageSchema} accepts without changing it. */
export function isChatsV1MessagesPage(
  value: unknown,
): value is z.output<typeof ChatsV1MessagesPageSchema> {
  return isPlainObject(value) && Array.isArray(value.messages) && hasPageFields(value);
}

/** Accepts what {@link ChatsV1ChatsPageSchema} accepts without changing it. */
export function isChatsV1ChatsPage(
  value: unknown,
): value is z.output<typeof ChatsV1ChatsPageSchema> {
  return isPlainObject(value) && Array.isArray(value.chats) && hasPageFields(value);
}

/** Accepts exactly what {@link ChatsV1MessageSchema} accepts. */
export function isChatsV1Message(value: unknown): value is ChatsV1Message {
  return (
    isPlainObject(value) &&
    isWireId(value.id) &&
    isNullishString(value.content) &&
    isString(value.sender_role) &&
    isNullishString(value.media_type) &&
    isNullishString(value.media_url) &&
    isWireTimestamp(value.created_at) &&
    isNullishPlainObject(value.metadata)
  );
}

/** Accepts exactly what {@link ChatsV1ChatSchema} accepts. */
export function isChatsV1Chat(value: unknown): value is ChatsV1Chat {
  return (
    isPlainObject(value) &&
    isWireId(value.id) &&
    isWireTimestamp(value.created_at) &&
    isNullishWireTimestamp(value.updated_at) &&
    isNullishPlainObject(value.metadata)
  );
}
