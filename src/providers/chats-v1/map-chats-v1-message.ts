import type { Attachment, Message, Role, Usage } from '../../model/canonical-schemas.js';
import { inferMediaType } from '../../model/media-type.js';
import type { MessageContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import type { ChatsV1Message } from './chats-v1-api.js';

const ROLES: ReadonlyMap<string, Role> = new Map([
  ['user', 'user'],
  ['assistant', 'assistant'],
  ['system', 'system'],
  ['tool', 'tool'],
  ['agent', 'agent'],
  ['human', 'agent'],
  ['operator', 'agent'],
]);

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
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/chats-v1.md (the vendor's Get Chat Messages document)
 */
export function mapChatsV1Message(
  wire: ChatsV1Message,
  raw: unknown,
  context: MessageContext,
): Message {
  const vendorMetadata = wire.metadata ?? {};
  // Named reads (one shape each), then own-property checks only for values found.
  const model = own(vendorMetadata, 'model', vendorMetadata.model);
  const tokensUsed = own(vendorMetadata, 'tokens_used', vendorMetadata.tokens_used);
  const provider = own(vendorMetadata, 'provider', vendorMetadata.provider);
  const metadata =
    model === undefined && tokensUsed === undefined && provider === undefined
      ? vendorMetadata
      : withoutMapped(vendorMetadata);
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
    source: context.source,
    account: context.account,
    role:
      ROLES.get(wire.sender_role) ?? ROLES.get(wire.sender_role.trim().toLowerCase()) ?? 'unknown',
    text: wire.content ?? '',
    attachments: wire.media_url ? [mapAttachment(wire.media_url, wire.media_type)] : [],
    createdAt: timestampField('created_at', wire.created_at),
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
  // The name is the URL's last path segment, decoded (a "#" or "?" in it is the name's own); the
  // URL still gives the extension of a name such as "photo%231.jpg". A URL without a path gives
  // nothing: its host is no file.
  const { mediaType: type, kind } = inferMediaType(
    name === null ? { hint: mediaType } : { hint: mediaType, name, url },
  );
  return { url, name, mediaType: type, kind };
}

/** The last path segment of a URL, decoded, or `null` when there is none. */
function fileName(url: string): string | null {
  // Without the query and fragment, and without the scheme and host of an absolute URL.
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const end =
    query < 0
      ? fragment < 0
        ? url.length
        : fragment
      : fragment < 0
        ? query
        : Math.min(query, fragment);
  const scheme = url.indexOf('://');
  const pathStart = scheme >= 0 && scheme < end ? url.indexOf('/', scheme + 3) : 0;
  if (pathStart < 0 || pathStart >= end) return null;
  const segment = url.slice(url.lastIndexOf('/', end - 1) + 1, end);
  if (segment === '') return null;
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A copy of `record` without the metadata fields that map to canonical fields. */
function withoutMapped(record: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key === 'model' || key === 'tokens_used' || key === 'provider') continue;
    // Keys Object.prototype has are defined, not assigned: "__proto__" would set the prototype,
    // and with a frozen Object.prototype assigning "toString" throws.
    if (key in Object.prototype) {
      Object.defineProperty(result, key, {
        value: record[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      result[key] = record[key];
    }
  }
  return result;
}

/** `value`, read as `record[key]`, when it is the record's own: an inherited one is not the vendor's. */
function own(record: Record<string, unknown>, key: string, value: unknown): unknown {
  return value === undefined || Object.hasOwn(record, key) ? value : undefined;
}
