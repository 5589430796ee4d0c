import { z } from 'zod';
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
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md (the vendor's Get Messages and Get Conversations documents)
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

/**
 * A tool call in OpenAI's shape, as OkChat stores what its models asked for: `arguments` is JSON
 * text (an object is taken too).
 */
export const OkChatToolCallSchema = z.object({
  id: WellFormedStringSchema.min(1),
  type: z.literal('function'),
  function: z.object({
    name: WellFormedStringSchema.min(1),
    arguments: z.union([z.string(), WireMetadataSchema]),
  }),
});
export type OkChatToolCall = z.infer<typeof OkChatToolCallSchema>;

/**
 * A tool result: the call it answers (`call_id` or `tool_call_id`) and what the tool gave
 * (`output` or `content`). OkChat's examples only show empty lists: both spellings of each are
 * read, as OpenAI's APIs use them.
 */
export const OkChatToolResultSchema = z
  .object({
    call_id: WellFormedStringSchema.min(1).nullish(),
    tool_call_id: WellFormedStringSchema.min(1).nullish(),
    output: z.unknown().optional(),
    content: z.unknown().optional(),
  })
  .refine(
    (result) =>
      typeof (result.call_id ?? result.tool_call_id) === 'string' &&
      (result.output !== undefined || result.content !== undefined),
    { message: 'expected call_id or tool_call_id, and output or content' },
  );
export type OkChatToolResult = z.infer<typeof OkChatToolResultSchema>;

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
  tool_calls: z.array(OkChatToolCallSchema).nullish(),
  tool_results: z.array(OkChatToolResultSchema).nullish(),
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
