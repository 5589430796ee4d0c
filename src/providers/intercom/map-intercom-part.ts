import type { Attachment, Message, Role } from '../../model/canonical-schemas.js';
import { inferMediaType } from '../../model/media-type.js';
import type { MessageContext } from '../define-vendor.js';
import { InvalidFieldError, timestampField } from '../map-record.js';
import {
  fieldOf,
  type IntercomAttachment,
  type IntercomConversation,
  type IntercomPart,
  textOf,
} from './intercom-api.js';

/** A `conversation_part_author`, as far as it can be read. */
interface Author {
  type: string | null;
  id: string | null;
  name: string | null;
  fromAiAgent: boolean;
  isAiAnswer: boolean;
}

const ROLES: ReadonlyMap<string, Role> = new Map([
  ['user', 'user'],
  ['lead', 'user'],
  ['contact', 'user'],
  ['admin', 'agent'],
  ['team', 'agent'],
  ['bot', 'assistant'],
]);

/** The `metadata.partType` of the opening message, which is no conversation part. */
export const SOURCE_PART_TYPE = 'source';

/**
 * Whether a conversation part, as received, is an event (an assignment, a state change): it has
 * no body (a non-empty string) and no attachments (a non-empty array).
 */
export function isEventPart(part: unknown): boolean {
  if (typeof part !== 'object' || part === null) return false;
  const { body, attachments } = part as { body?: unknown; attachments?: unknown };
  return (
    !(typeof body === 'string' && body !== '') &&
    !(Array.isArray(attachments) && attachments.length > 0)
  );
}

/**
 * Maps one message of an Intercom conversation to the canonical {@link Message}: its opening
 * `source` (the record that is the envelope's `source`, timed by the conversation's
 * `created_at`), or one of its `conversation_parts`.
 *
 * - Role from the author: `user`, `lead`, `contact` -> `user`; `admin`, `team` -> `agent` (a
 *   person); `bot`, or any author `from_ai_agent` (Fin) -> `assistant`; none -> `unknown`. An
 *   event (no body, no attachments: listed only with `includeEvents`) is `system` with text `''`.
 * - `metadata.partType` is the `part_type` (`source` for the opening message); notes carry
 *   `internal: true`; the author's type, id and name are in `metadata.author`.
 * - Attachments: `url`, `name`, `mediaType` from `content_type` (else the name), `kind` inferred.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/intercom.md
 */
export function mapIntercomPart(
  wire: IntercomPart,
  raw: unknown,
  context: MessageContext,
  conversation: IntercomConversation | undefined,
): Message {
  const isSource = conversation !== undefined && raw === conversation.source;
  const partType = isSource ? SOURCE_PART_TYPE : (wire.part_type ?? null);
  const attachments = (wire.attachments ?? []).map(mapAttachment);
  // The same test that left events out of the page unless asked for.
  const isEvent = !isSource && isEventPart(raw);
  const createdAt = isSource ? conversation.created_at : wire.created_at;
  if (createdAt == null) {
    throw new InvalidFieldError(
      ['created_at'],
      isSource
        ? 'the conversation has no created_at, the time of its opening message'
        : 'a conversation part needs its created_at',
    );
  }
  const metadata: Record<string, unknown> = { partType };
  if (partType === 'note') metadata.internal = true;
  const author = readAuthor(wire.author);
  if (author !== null) {
    const named: Record<string, string> = {};
    if (author.type !== null) named.type = author.type;
    if (author.id !== null) named.id = author.id;
    if (author.name !== null) named.name = author.name;
    metadata.author = named;
    if (author.fromAiAgent) metadata.fromAiAgent = true;
    if (author.isAiAnswer) metadata.aiAnswer = true;
  }
  if (wire.redacted === true) metadata.redacted = true;
  if (wire.delivered_as != null) metadata.deliveredAs = wire.delivered_as;
  if (wire.subject != null && wire.subject !== '') metadata.subject = wire.subject;
  return {
    id: wire.id,
    conversationId: context.conversationId,
    source: context.source,
    account: context.account,
    role: isEvent ? 'system' : roleOf(author),
    text: isEvent ? '' : (wire.body ?? ''),
    attachments,
    createdAt: timestampField('created_at', createdAt, 'seconds'),
    model: null,
    provider: null,
    usage: null,
    toolCalls: [],
    toolResults: [],
    metadata,
    raw,
  };
}

function roleOf(author: Author | null): Role {
  if (author === null) return 'unknown';
  if (author.fromAiAgent) return 'assistant';
  const type = author.type;
  return (
    (type === null ? undefined : (ROLES.get(type) ?? ROLES.get(type.toLowerCase()))) ?? 'unknown'
  );
}

function nameOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The author as far as it can be read (Twitter sends it blank); `null` when it is no object. */
function readAuthor(value: unknown): Author | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return {
    type: textOf(fieldOf(value, 'type')),
    id: textOf(fieldOf(value, 'id')),
    name: nameOf(fieldOf(value, 'name')),
    fromAiAgent: fieldOf(value, 'from_ai_agent') === true,
    isAiAnswer: fieldOf(value, 'is_ai_answer') === true,
  };
}

function mapAttachment(attachment: IntercomAttachment): Attachment {
  const { url } = attachment;
  const name = attachment.name ?? null;
  const { mediaType, kind } = inferMediaType({ hint: attachment.content_type, name, url });
  return { url, name, mediaType, kind };
}
