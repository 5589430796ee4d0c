import { z } from 'zod';
import { WireIdOrNumberSchema } from '../wire-fields.js';

/**
 * Intercom's wire format (REST API 2.14), from its OpenAPI description, validated leniently:
 * `.nullish()` wherever the description marks no field required (it marks none of these), and
 * `z.unknown()` for what only feeds metadata (authors, contacts, statistics), read field by field
 * by the mappers, so only what the mapping truly needs (ids, times, attachment URLs) can reject a
 * record.
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/intercom.md
 */

/** A time: Intercom sends Unix seconds as a JSON integer. */
const UnixSecondsSchema = z.number();

/** `cursor_pages`: `{ type: 'pages', page, per_page, total_pages, next?: { starting_after } }` */
const CursorPagesSchema = z.object({
  next: z.object({ starting_after: z.string().nullish() }).nullish(),
});

/** `conversation_list`, the answer of `GET /conversations` and `POST /conversations/search`. */
export const IntercomConversationListSchema = z.object({
  conversations: z.array(z.unknown()),
  /** A hint only: read when it is a count. */
  total_count: z.unknown().optional(),
  pages: CursorPagesSchema.nullish(),
});
export type IntercomConversationList = z.infer<typeof IntercomConversationListSchema>;

/** `part_attachment`: a file attached to a part or to the opening message. */
export const IntercomAttachmentSchema = z.object({
  url: z.string().min(1),
  name: z.string().nullish(),
  content_type: z.string().nullish(),
});
export type IntercomAttachment = z.infer<typeof IntercomAttachmentSchema>;

/**
 * One message of `GET /conversations/{id}`: a `conversation_part`, or the conversation's opening
 * `source` (which has no `part_type` and no time of its own).
 */
export const IntercomPartSchema = z.object({
  id: WireIdOrNumberSchema,
  part_type: z.string().nullish(),
  body: z.string().nullish(),
  created_at: UnixSecondsSchema.nullish(),
  /** `conversation_part_author` (blank for Twitter): read by `readAuthor`. */
  author: z.unknown().optional(),
  attachments: z.array(IntercomAttachmentSchema).nullish(),
  redacted: z.boolean().nullish(),
  /** The opening message's: how it was sent, and its subject (emails). */
  delivered_as: z.string().nullish(),
  subject: z.string().nullish(),
});
export type IntercomPart = z.infer<typeof IntercomPartSchema>;

/**
 * `conversation`, the answer of `GET /conversations/{id}`: the envelope of its messages, read
 * for its time, its opening `source` and its `conversation_parts` (at most the 500 most recent).
 */
export const IntercomConversationSchema = z.object({
  /** The opening message's time; without it that message alone is invalid. */
  created_at: UnixSecondsSchema.nullish(),
  source: z.unknown().optional(),
  conversation_parts: z
    .object({
      conversation_parts: z.array(z.unknown()),
      /** Read when it is a count: it only decides the `truncated` warning. */
      total_count: z.unknown().optional(),
    })
    .nullish(),
});
export type IntercomConversation = z.infer<typeof IntercomConversationSchema>;

/** `conversation_list_item`: one record of `GET /conversations` and of the search. */
export const IntercomConversationItemSchema = z.object({
  id: WireIdOrNumberSchema,
  /** Metadata only: read by the mapper when it is text. */
  title: z.unknown().optional(),
  created_at: UnixSecondsSchema,
  updated_at: UnixSecondsSchema.nullish(),
  open: z.boolean().nullish(),
  state: z.string().nullish(),
  /** Admin and team ids: integers in the description, read as text by the mapper. */
  admin_assignee_id: z.unknown().optional(),
  team_assignee_id: z.unknown().optional(),
  /** `conversation_source`, `contacts`, `statistics`: read field by field by the mapper. */
  source: z.unknown().optional(),
  contacts: z.unknown().optional(),
  statistics: z.unknown().optional(),
  ai_agent_participated: z.boolean().nullish(),
});
export type IntercomConversationItem = z.infer<typeof IntercomConversationItemSchema>;

/** A field of a vendor object that may be anything: `undefined` unless it is an own field. */
export function fieldOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** A text field, or an id sent as a number, as a string; `null` for anything else or blank. */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** A count (a whole number >= 0), or `undefined`. */
export function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
