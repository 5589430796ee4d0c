import type { Attachment, Message, ToolCall, ToolResult } from '../../model/canonical-schemas.js';
import type { JsonValue } from '../../model/json.js';
import { inferMediaType } from '../../model/media-type.js';
import { exceedsDepth, MAX_RECORD_DEPTH } from '../../paginate/record-depth.js';
import type { MessageContext } from '../define-vendor.js';
import { timestampField } from '../map-record.js';
import type { OkChatMessage, OkChatToolCall, OkChatToolResult } from './okchat-api.js';
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
    toolCalls: wire.tool_calls?.map(mapToolCall) ?? [],
    toolResults: wire.tool_results?.map(mapToolResult) ?? [],
    metadata: wire.metadata ?? {},
    raw,
  };
}

function mapToolCall(call: OkChatToolCall): ToolCall {
  const { name } = call.function;
  const given = call.function.arguments;
  return {
    id: call.id,
    name,
    arguments: typeof given === 'string' ? parsedArguments(given) : (given as JsonValue),
  };
}

/**
 * Arguments sent as JSON text, parsed. The text itself when it is not valid JSON, when it is the
 * JSON of a string (so a string always means the vendor's text, never a parsed one), when a number
 * in it overflows (`1e400`: not JSON once parsed), or when it nests deeper than a record may (code
 * that walks values recursively would overflow on it).
 */
function parsedArguments(text: string): JsonValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed === 'string' || exceedsDepth(parsed, MAX_RECORD_DEPTH)) return text;
  return hasOverflow(parsed) ? text : (parsed as JsonValue);
}

/** Whether a parsed value holds a number JSON cannot write back (`Infinity`). */
function hasOverflow(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(hasOverflow);
}

function mapToolResult(result: OkChatToolResult): ToolResult {
  // The schema holds one of the two ids.
  const toolCallId = result.call_id ?? result.tool_call_id ?? '';
  // `output`, unless it is absent or null while `content` holds something.
  const output =
    result.output === undefined || (result.output === null && result.content !== undefined)
      ? result.content
      : result.output;
  return { toolCallId, output: output as JsonValue };
}

function mapAttachment(attachment: { name?: string | null | undefined; url: string }): Attachment {
  const { url } = attachment;
  const name = attachment.name ?? null;
  const { mediaType, kind } = inferMediaType({ name, url });
  return { url, name, mediaType, kind };
}
