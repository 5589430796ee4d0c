import type { Conversation, LastMessage } from '../../model/canonical-schemas.js';
import { mediaTypeFromFileName } from '../../model/media-type.js';
import type { RecordContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import type { OkChatConversation } from './okchat-api.js';
import { okchatRole } from './okchat-role.js';

/** OkChat platform names that differ from the canonical channel names. */
const CHANNELS: ReadonlyMap<string, string> = new Map([
  ['facebook-messenger', 'messenger'],
  ['facebook', 'messenger'],
  ['navertalktalk', 'naver-talktalk'],
]);

/**
 * Maps one OkChat conversation to the canonical {@link Conversation}.
 *
 * - `platform` becomes `channel` (`facebook-messenger` -> `messenger`, `navertalktalk` ->
 *   `naver-talktalk`; others as given).
 * - `last_message` is an object, the bare text or `null` in OkChat's own example; all three map.
 * - `voice_path` (voice conversations) becomes `recording`.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md (the vendor's Get Conversations document)
 */
export function mapOkChatConversation(
  wire: OkChatConversation,
  raw: unknown,
  context: RecordContext,
): Conversation {
  const metadata = wire.metadata ?? {};
  const updatedAt = wire.updated_at;
  const anonymous = Object.hasOwn(metadata, 'anonymous') ? metadata.anonymous : undefined;
  return {
    id: wire.id,
    source: context.source,
    account: context.account,
    botId: wire.chatbot_id ?? null,
    channel: mapChannel(wire.platform),
    state: wire.state ?? null,
    active: wire.active ?? null,
    humanHandoff: wire.is_human_mode ?? false,
    participant: {
      externalId: wire.sns_user_id ?? null,
      userId: wire.user_id ?? null,
      anonymous: typeof anonymous === 'boolean' ? anonymous : null,
    },
    createdAt: timestampField('created_at', wire.created_at),
    updatedAt: updatedAt == null ? null : timestampField('updated_at', updatedAt),
    lastMessage: mapLastMessage(wire.last_message),
    recording: wire.voice_path
      ? { path: wire.voice_path, mediaType: mediaTypeFromFileName(wire.voice_path) }
      : null,
    metadata,
    raw,
  };
}

function mapChannel(platform: string | null | undefined): string | null {
  if (!platform) return null;
  const value = platform.trim().toLowerCase();
  return CHANNELS.get(value) ?? value;
}

function mapLastMessage(value: OkChatConversation['last_message']): LastMessage | null {
  if (value == null) return null;
  if (typeof value === 'string') return { id: null, text: value, role: null };
  return {
    id: value.id ?? null,
    text: value.content ?? '',
    role: value.sender_type ? okchatRole(value.sender_type) : null,
  };
}
