import type { Conversation } from '../../model/canonical-schemas.js';
import type { RecordContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import type { ChatsV1Chat } from './chats-v1-api.js';

/**
 * Maps one Chats v1 chat to the canonical {@link Conversation}. The vendor document does not show
 * this listing, so only `id`, `created_at`, `updated_at` and `metadata` are mapped; every other
 * field the server sends stays in `raw`.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/chats-v1.md (the listing's shape is inferred from the messages endpoint)
 */
export function mapChatsV1Chat(
  wire: ChatsV1Chat,
  raw: unknown,
  context: RecordContext,
): Conversation {
  const updatedAt = wire.updated_at;
  return {
    id: wire.id,
    source: context.source,
    account: context.account,
    botId: null,
    channel: null,
    state: null,
    active: null,
    humanHandoff: false,
    participant: { externalId: null, userId: null, anonymous: null },
    createdAt: timestampField('created_at', wire.created_at),
    updatedAt: updatedAt == null ? null : timestampField('updated_at', updatedAt),
    lastMessage: null,
    recording: null,
    metadata: wire.metadata ?? {},
    raw,
  };
}
