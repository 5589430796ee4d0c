import type { Attachment, Message } from '../../model/canonical-schemas.js';
import { inferMediaType } from '../../model/media-type.js';
import type { MessageContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import type { OkChatMessage } from './okchat-api.js';
import { okchatRole } from './okchat-role.js';

/**
 * Maps one OkChat message to the canonical {@link Message}.
 *
 * - `tokens_used` becomes `usage` only when it is above 0: OkChat reports 0 for model replies too
 *   (every `gpt-4o` reply in its own example says 0), so 0 means "not counted", not "free".
 * - `created_at` is written with 6 fraction digits (OkChat keeps microseconds but trims trailing
 *   zeros), so that timestamps sort as strings.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md (the vendor's Get Messages document)
 */
export function mapOkChatMessage(
  wire: OkChatMessage,
  raw: unknown,
  context: MessageContext,
): Message {
  return {
    id: wire.id,
    conversationId: wire.session_id || context.conversationId,
    source: context.source,
    account: context.account,
    role: okchatRole(wire.sender_type),
    text: wire.content ?? '',
    attachments: wire.attachments?.map(mapAttachment) ?? [],
    createdAt: timestampField('created_at', wire.created_at),
    model: wire.model ?? null,
    provider: wire.provider ?? null,
    usage: wire.tokens_used ? { totalTokens: wire.tokens_used } : null,
    toolCalls: wire.tool_calls ?? [],
    toolResults: wire.tool_results ?? [],
    metadata: wire.metadata ?? {},
    raw,
  };
}

function mapAttachment(attachment: { name?: string | null | undefined; url: string }): Attachment {
  const { url } = attachment;
  const name = attachment.name ?? null;
  const { mediaType, kind } = inferMediaType({ name, url });
  return { url, name, mediaType, kind };
}
