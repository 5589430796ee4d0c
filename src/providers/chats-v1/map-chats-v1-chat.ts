import type { Conversation } from '../../model/canonical-schemas.js';
import { normalizeTimestamp } from '../../model/timestamp.js';
import { field } from '../map-record.js';
import type { ChatsV1Chat } from './chats-v1-api.js';

/**
 * Maps one Chats v1 chat to the canonical {@link Conversation}. The vendor document does not show
 * this listing, so only `id`, `created_at`, `updated_at` and `metadata` are mapped; every other
 * field the server sends stays in `raw`.
 *
 * @see ../shared/seeds/003_*.txt (Chats; the listing's shape is inferred from its messages endpoint)
 */
export function mapChatsV1Chat(wire: ChatsV1Chat, raw: unknown): Conversation {
  const updatedAt = wire.updated_at;
  return {
    id: wire.id,
    source: 'chats-v1',
    botId: null,
    channel: null,
    state: null,
    active: null,
    humanHandoff: false,
    participant: { externalId: null, userId: null, anonymous: null },
    createdAt: field('created_at', () => normalizeTimestamp(wire.created_at)),
    updatedAt: updatedAt == null ? null : field('updated_at', () => normalizeTimestamp(updatedAt)),
    lastMessage: null,
    recording: null,
    metadata: wire.metadata ?? {},
    raw,
  };
}
