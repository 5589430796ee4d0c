import { z } from 'zod';
import type { JsonValue } from './json.js';
import { CANONICAL_TIMESTAMP_PATTERN } from './timestamp.js';

/**
 * Who wrote a message. `agent` is a human operator (a conversation in human hand-off mode);
 * `unknown` is a vendor value with no canonical equivalent (the vendor's value stays in `raw`).
 */
export const RoleSchema = z.enum(['user', 'assistant', 'agent', 'system', 'tool', 'unknown']);
export type Role = z.infer<typeof RoleSchema>;

/** Broad family of an attachment, for display and filtering. */
export const AttachmentKindSchema = z.enum(['image', 'audio', 'video', 'document', 'file']);
export type AttachmentKind = z.infer<typeof AttachmentKindSchema>;

/**
 * A canonical timestamp: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC with exactly six fraction digits, so
 * that sorting the strings sorts by time across every vendor.
 */
export const TimestampSchema = z.string().regex(CANONICAL_TIMESTAMP_PATTERN, {
  message: 'expected a UTC timestamp with six fraction digits: YYYY-MM-DDTHH:MM:SS.ffffffZ',
});

/**
 * Free-form vendor metadata: a plain JSON object, passed through as it is. Not `z.record`, which
 * copies the object and so drops a `"__proto__"` key: vendor data is kept whole, and such a key
 * stays an ordinary key.
 */
export const MetadataSchema = z
  .unknown()
  .refine(isPlainRecord, { message: 'expected an object' })
  .meta({ type: 'object', additionalProperties: {} }) as unknown as z.ZodType<
  Record<string, unknown>
>;

/** A JSON object (not an array, not null, not a class instance), kept as it is. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A file attached to a message. */
export const AttachmentSchema = z.object({
  url: z.string(),
  /** File name as the vendor gave it. */
  name: z.string().nullable(),
  /** IANA media type (`image/png`), from the vendor or inferred from the file name. */
  mediaType: z.string().nullable(),
  kind: AttachmentKindSchema,
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Token accounting reported by the vendor. `null` on the message when the vendor reports none. */
export const UsageSchema = z.object({
  totalTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** Any JSON value, as `JSON.parse` returns them. */
const JsonValueSchema = z.json() as unknown as z.ZodType<JsonValue>;

/** A call of a tool (a function) that a model asked for. */
export const ToolCallSchema = z.object({
  /** The call's id, which its result names. */
  id: z.string().min(1),
  /** The tool's name. */
  name: z.string().min(1),
  /**
   * The arguments: parsed when the vendor sent them as JSON text (as OpenAI does). A string is
   * always the vendor's own text: text that is not JSON (or is the JSON of a string) stays as it
   * came.
   */
  arguments: JsonValueSchema,
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

/** What a tool answered to a call. */
export const ToolResultSchema = z.object({
  /** The `id` of the call it answers. */
  toolCallId: z.string().min(1),
  /** The tool's output, as the vendor gave it. */
  output: JsonValueSchema,
});
export type ToolResult = z.infer<typeof ToolResultSchema>;

/** One message of a conversation, in the same shape whatever vendor it came from. */
export const MessageSchema = z.object({
  id: z.string().min(1),
  conversationId: z.string().min(1),
  /** Provider key of the source (`'okchat'`, `'chats-v1'`). */
  source: z.string().min(1),
  /**
   * Vendor account the record comes from (OkChat: the chatbot id; Chats v1: the base URL's host).
   * `(source, account, id)` identifies a record across every source.
   */
  account: z.string().min(1),
  role: RoleSchema,
  /** Message text; `''` when the message has none (an attachment alone, say). */
  text: z.string(),
  attachments: z.array(AttachmentSchema),
  createdAt: TimestampSchema,
  /** Model that produced an assistant message, when the vendor says. */
  model: z.string().nullable(),
  /** Company behind `model` (`openai`), when the vendor says. */
  provider: z.string().nullable(),
  usage: UsageSchema.nullable(),
  /** Tools the model called in this message. */
  toolCalls: z.array(ToolCallSchema),
  /**
   * Results of tool calls: on a `tool` message, or on the message that holds the calls, as some
   * vendors send them.
   */
  toolResults: z.array(ToolResultSchema),
  metadata: MetadataSchema,
  /** The vendor record exactly as received, so nothing the vendor sent is lost. */
  raw: z.unknown(),
});
export type Message = z.infer<typeof MessageSchema>;

/** The person on the other side of a conversation, as the vendor identifies them. */
export const ParticipantSchema = z.object({
  /** Id on the channel the user wrote from (a messenger user id, a web visitor id). */
  externalId: z.string().nullable(),
  /** Id of a signed-in user of the vendor's customer, when there is one. */
  userId: z.string().nullable(),
  /** Whether the vendor marks the user as anonymous; `null` when it does not say. */
  anonymous: z.boolean().nullable(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

/** The latest message of a conversation as listed, whatever form the vendor sent it in. */
export const LastMessageSchema = z.object({
  id: z.string().nullable(),
  text: z.string(),
  role: RoleSchema.nullable(),
});
export type LastMessage = z.infer<typeof LastMessageSchema>;

/** Audio recording of a voice conversation. */
export const RecordingSchema = z.object({
  /** Path or URL as the vendor gave it. */
  path: z.string(),
  mediaType: z.string().nullable(),
});
export type Recording = z.infer<typeof RecordingSchema>;

/** One conversation (session, chat, thread), in the same shape whatever vendor it came from. */
export const ConversationSchema = z.object({
  id: z.string().min(1),
  /** Provider key of the source (`'okchat'`, `'chats-v1'`). */
  source: z.string().min(1),
  /**
   * Vendor account the record comes from (OkChat: the chatbot id; Chats v1: the base URL's host).
   * `(source, account, id)` identifies a record across every source.
   */
  account: z.string().min(1),
  /** The vendor's bot / chatbot / assistant id, when it says. */
  botId: z.string().nullable(),
  /** Where the conversation happens: `web`, `whatsapp`, `messenger`, `naver-talktalk`, `voice`, ... */
  channel: z.string().nullable(),
  /** The vendor's state label (`in_progress`), as given. */
  state: z.string().nullable(),
  active: z.boolean().nullable(),
  /** True when a human operator has taken over from the bot. */
  humanHandoff: z.boolean(),
  participant: ParticipantSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema.nullable(),
  lastMessage: LastMessageSchema.nullable(),
  recording: RecordingSchema.nullable(),
  metadata: MetadataSchema,
  raw: z.unknown(),
});
export type Conversation = z.infer<typeof ConversationSchema>;
