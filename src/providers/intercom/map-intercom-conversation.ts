import type { Conversation } from '../../model/canonical-schemas.js';
import type { RecordContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import { fieldOf, type IntercomConversationItem, textOf } from './intercom-api.js';

/** `source.type` -> canonical channel, where the names differ; others are kept as given. */
const CHANNELS: ReadonlyMap<string, string> = new Map([
  ['conversation', 'web'], // the Intercom Messenger
  ['facebook', 'messenger'],
  ['phone_call', 'voice'],
  ['phone_switch', 'voice'],
]);

/**
 * Maps one Intercom conversation (as `GET /conversations` and the search list it) to the
 * canonical {@link Conversation}.
 *
 * - `channel` from `source.type`: `conversation` (the Messenger) -> `web`, `facebook` ->
 *   `messenger`, `phone_call` and `phone_switch` -> `voice`, any other as given.
 * - `state` as given (`open`, `closed`, `snoozed`); `active` is `open`.
 * - `humanHandoff` when an admin is assigned or has replied (`statistics.first_admin_reply_at`).
 * - `participant` is the first contact: Intercom's contact id as `externalId`, the customer's own
 *   `external_id` as `userId`.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/intercom.md
 */
export function mapIntercomConversation(
  wire: IntercomConversationItem,
  raw: unknown,
  context: RecordContext,
): Conversation {
  const sourceType = textOf(fieldOf(wire.source, 'type'));
  const deliveredAs = textOf(fieldOf(wire.source, 'delivered_as'));
  const contacts = fieldOf(wire.contacts, 'contacts');
  const contact = Array.isArray(contacts) ? contacts[0] : undefined;
  const adminReplyAt = fieldOf(wire.statistics, 'first_admin_reply_at');
  const adminAssigneeId = assigneeOf(wire.admin_assignee_id);
  const teamAssigneeId = assigneeOf(wire.team_assignee_id);
  const metadata: Record<string, unknown> = {};
  const title = textOf(wire.title);
  if (title !== null) metadata.title = title;
  if (adminAssigneeId !== null) metadata.adminAssigneeId = adminAssigneeId;
  if (teamAssigneeId !== null) metadata.teamAssigneeId = teamAssigneeId;
  if (deliveredAs !== null) metadata.deliveredAs = deliveredAs;
  if (wire.ai_agent_participated != null) {
    metadata.aiAgentParticipated = wire.ai_agent_participated;
  }
  return {
    id: wire.id,
    source: context.source,
    account: context.account,
    botId: null,
    channel: sourceType === null ? null : (CHANNELS.get(sourceType) ?? sourceType),
    state: wire.state ?? null,
    active: wire.open ?? null,
    humanHandoff: adminAssigneeId !== null || (adminReplyAt !== undefined && adminReplyAt !== null),
    participant: {
      externalId: textOf(fieldOf(contact, 'id')),
      userId: textOf(fieldOf(contact, 'external_id')),
      anonymous: null,
    },
    createdAt: timestampField('created_at', wire.created_at, 'seconds'),
    updatedAt:
      wire.updated_at == null ? null : timestampField('updated_at', wire.updated_at, 'seconds'),
    lastMessage: null,
    recording: null,
    metadata,
    raw,
  };
}

/** An assignee id as text; `null` when none is assigned (`null`, or the description's `0`). */
function assigneeOf(id: unknown): string | null {
  const text = textOf(id);
  return text === '0' ? null : text;
}
