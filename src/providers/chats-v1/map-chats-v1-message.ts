import { inferMediaType } from '../../media-type.js';
import type { Attachment, Message, Role, Usage } from '../../model.js';
import { normalizeTimestamp } from '../../timestamp.js';
import { field } from '../map-record.js';
import type { ChatsV1Message } from './chats-v1-api.js';

const ROLES: Readonly<Record<string, Role>> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  tool: 'tool',
  agent: 'agent',
  human: 'agent',
  operator: 'agent',
};

/**
 * Maps one Chats v1 message to the canonical {@link Message}.
 *
 * - `sender_role`: `user`, `assistant`, `system`, `tool` as named; `agent`, `human`, `operator`
 *   -> `agent`; anything else -> `unknown`.
 * - `media_url` + `media_type` -> one attachment; `media_type` may be a MIME type (`image/png`) or
 *   a coarse kind (`image`), and the URL's file name fills what it leaves out.
 * - `metadata.model` -> `model`, `metadata.tokens_used` -> `usage`; the rest of `metadata`
 *   (`user_agent`, ...) stays in `metadata`.
 *
 * @see ../shared/seeds/003_*.txt (Chats: Get Chat Messages)
 */
export function mapChatsV1Message(
  wire: ChatsV1Message,
  raw: unknown,
  context: { conversationId: string },
): Message {
  const { model, tokens_used: tokensUsed, provider, ...metadata } = wire.metadata ?? {};
  const hasModel = typeof model === 'string';
  const hasUsage =
    typeof tokensUsed === 'number' && Number.isSafeInteger(tokensUsed) && tokensUsed >= 0;
  const hasProvider = typeof provider === 'string';
  // Fields of unexpected types are not dropped: they stay in metadata.
  if (model !== undefined && !hasModel) metadata.model = model;
  if (tokensUsed !== undefined && !hasUsage) metadata.tokens_used = tokensUsed;
  if (provider !== undefined && !hasProvider) metadata.provider = provider;
  const usage: Usage | null = hasUsage ? { totalTokens: tokensUsed } : null;
  return {
    id: wire.id,
    conversationId: context.conversationId,
    source: 'chats-v1',
    role: ROLES[wire.sender_role.trim().toLowerCase()] ?? 'unknown',
    text: wire.content ?? '',
    attachments: wire.media_url ? [mapAttachment(wire.media_url, wire.media_type)] : [],
    createdAt: field('created_at', () => normalizeTimestamp(wire.created_at)),
    model: hasModel ? model : null,
    provider: hasProvider ? provider : null,
    usage,
    toolCalls: [],
    toolResults: [],
    metadata,
    raw,
  };
}

function mapAttachment(url: string, mediaType: string | null | undefined): Attachment {
  const name = fileName(url);
  return { url, name, ...inferMediaType({ hint: mediaType, name, url }) };
}

/** The last path segment of a URL, decoded, or `null` when there is none. */
function fileName(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    // A relative URL.
    path = url.split(/[?#]/, 1)[0] ?? '';
  }
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (segment === '') return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
