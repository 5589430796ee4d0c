import { z } from 'zod';
import { CountSchema, WireIdOrNumberSchema } from '../wire-fields.js';

/**
 * Intercom's wire format (REST API 2.14), from its OpenAPI description, validated leniently:
 * `.nullish()` wherever the description marks no field required (it marks none of these), so
 * only what the mapping truly needs can reject a record.
 * @see docs/providers/intercom.md
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
  total_count: CountSchema.nullish(),
  pages: CursorPagesSchema.nullish(),
});
export type IntercomConversationList = z.infer<typeof IntercomConversationListSchema>;

/** `conversation_part_author`: a contact, an admin, a team or a bot. */
const AuthorSchema = z.object({
  type: z.string().nullish(),
  id: WireIdOrNumberSchema.nullish(),
  name: z.string().nullish(),
  from_ai_agent: z.boolean().nullish(),
  is_ai_answer: z.boolean().nullish(),
});
export type IntercomAuthor = z.infer<typeof AuthorSchema>;

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
  author: AuthorSchema.nullish(),
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
  created_at: UnixSecondsSchema,
  source: z.unknown(),
  conversation_parts: z
    .object({
      conversation_parts: z.array(z.unknown()),
      total_count: CountSchema.nullish(),
    })
    .nullish(),
});
export type IntercomConversation = z.infer<typeof IntercomConversationSchema>;

/** `contact_reference`: who the conversation is with. */
const ContactSchema = z.object({
  id: WireIdOrNumberSchema.nullish(),
  external_id: z.string().nullish(),
});

/** An admin or team id: an integer in the description, a string in some answers. */
const AssigneeSchema = z.union([z.number(), z.string()]);

/** `conversation_list_item`: one record of `GET /conversations` and of the search. */
export const IntercomConversationItemSchema = z.object({
  id: WireIdOrNumberSchema,
  title: z.string().nullish(),
  created_at: UnixSecondsSchema,
  updated_at: UnixSecondsSchema.nullish(),
  open: z.boolean().nullish(),
  state: z.string().nullish(),
  admin_assignee_id: AssigneeSchema.nullish(),
  team_assignee_id: AssigneeSchema.nullish(),
  source: z
    .object({
      type: z.string().nullish(),
      delivered_as: z.string().nullish(),
    })
    .nullish(),
  contacts: z.object({ contacts: z.array(ContactSchema).nullish() }).nullish(),
  statistics: z.object({ first_admin_reply_at: UnixSecondsSchema.nullish() }).nullish(),
  ai_agent_participated: z.boolean().nullish(),
});
export type IntercomConversationItem = z.infer<typeof IntercomConversationItemSchema>;
