import { z } from 'zod';
import {
  CountSchema,
  WireIdSchema,
  WireMetadataSchema,
  WireTimestampSchema,
} from '../wire-fields.js';

/**
 * The generic Chats v1 API's wire format, validated leniently (`.nullish()` wherever a field may
 * be `null` or missing).
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/chats-v1.md (the vendor's Get Chat Messages document)
 */

/** What every page envelope says besides its records. */
const pageFields = {
  total: CountSchema.nullish(),
  offset: CountSchema.nullish(),
  limit: CountSchema.nullish(),
  has_more: z.boolean().nullish(),
};
export type ChatsV1PageFields = z.output<z.ZodObject<typeof pageFields>>;

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
