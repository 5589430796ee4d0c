import type { Attachment, Message } from '../model/canonical-schemas.js';
import { isPlainRecord } from '../model/canonical-schemas.js';
import type { JsonObject } from '../model/json.js';
import type { Loss } from './losses.js';
import { agentNameOf, type OpenAIChatOptions } from './to-openai-chat-messages.js';
import { linkable, outputText, turnsOf } from './turns.js';

/** Text, in LangChain's standard content blocks. */
export interface LangChainTextBlock {
  type: 'text';
  text: string;
}

/** An attachment by URL, in LangChain's standard content blocks. */
export interface LangChainFileBlock {
  type: 'image' | 'audio' | 'video' | 'file';
  url: string;
  mimeType?: string;
}

/** A tool call of an AI message. */
export interface LangChainToolCall {
  id: string;
  name: string;
  args: JsonObject;
  type: 'tool_call';
}

/**
 * A message as LangChain stores it (`StoredMessage` of `@langchain/core`), as plain data: what
 * `mapStoredMessagesToChatMessages` turns into `HumanMessage`, `AIMessage`, `SystemMessage` and
 * `ToolMessage` (chat histories keep messages in this form). `content` is the text, or content
 * blocks when the message has attachments.
 */
export interface LangChainStoredMessage {
  type: 'human' | 'ai' | 'system' | 'tool';
  data: {
    content: string | (LangChainTextBlock | LangChainFileBlock)[];
    role: undefined;
    /** The `agentName` on messages of a human operator; absent on the assistant's. */
    name: string | undefined;
    tool_call_id: string | undefined;
    /** The canonical message's id (absent on tool messages, which have none of their own). */
    id?: string;
    additional_kwargs: Record<string, never>;
    /**
     * `model_name` and `usage` (`total_tokens`), where the vendor said. The provider is left out:
     * LangChain reads `model_provider` as the format the content is in.
     */
    response_metadata: JsonObject;
    tool_calls?: LangChainToolCall[];
  };
}

/** Options of {@link toLangChainStoredMessages}: the same as OpenAI's. */
export type LangChainOptions = OpenAIChatOptions;

const BLOCK_TYPES = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'file',
  file: 'file',
} as const satisfies Record<Attachment['kind'], LangChainFileBlock['type']>;

/**
 * The messages of one conversation (oldest first) as LangChain stored messages.
 *
 * - `user` is `human`, `assistant` is `ai`, `system` is `system`; `agent` is `ai` with `name`
 *   (`agentName`), which the assistant's own messages never have; `unknown` is dropped.
 * - Every attachment with an http(s) URL is carried, by URL, as a standard content block (`image`, `audio`, `video`,
 *   `file`) with its media type when known.
 * - Tool calls go in `tool_calls` (arguments must be an object: other arguments are reported as
 *   `tool_call_not_supported`), each followed by its `tool` message; a call without result, or a
 *   result without call, is dropped and reported.
 * - `model` and `usage` go in `response_metadata` (`provider` does not: LangChain reads
 *   `model_provider` as the format the content is in).
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/interop.md
 */
export function toLangChainStoredMessages(
  messages: readonly Message[],
  options: LangChainOptions = {},
): LangChainStoredMessage[] {
  const agentName = agentNameOf(options.agentName);
  const report = (loss: Loss) => options.onLoss?.(loss);
  const written: LangChainStoredMessage[] = [];
  const turns = turnsOf(messages, report, { carriesCall: (call) => isPlainRecord(call.arguments) });
  for (const { message, answered } of turns) {
    const blocks: LangChainFileBlock[] = [];
    message.attachments.forEach((attachment, index) => {
      if (!linkable(attachment.url)) {
        report({
          messageId: message.id,
          part: 'attachment',
          index,
          reason: 'attachment_not_supported',
        });
        return;
      }
      blocks.push({
        type: BLOCK_TYPES[attachment.kind],
        url: attachment.url,
        ...(attachment.mediaType === null ? {} : { mimeType: attachment.mediaType }),
      });
    });
    if (message.text === '' && blocks.length === 0 && answered.length === 0) {
      report({ messageId: message.id, part: 'message', reason: 'empty_message' });
      continue;
    }
    const content =
      blocks.length === 0
        ? message.text
        : [
            ...(message.text === '' ? [] : [{ type: 'text' as const, text: message.text }]),
            ...blocks,
          ];
    const ai = message.role === 'assistant' || message.role === 'agent';
    written.push({
      type: message.role === 'user' ? 'human' : ai ? 'ai' : 'system',
      data: {
        content,
        role: undefined,
        name: message.role === 'agent' ? agentName : undefined,
        tool_call_id: undefined,
        id: message.id,
        additional_kwargs: {},
        response_metadata: responseMetadataOf(message),
        ...(answered.length === 0
          ? {}
          : {
              tool_calls: answered.map(({ call }) => ({
                id: call.id,
                name: call.name,
                args: call.arguments as JsonObject,
                type: 'tool_call' as const,
              })),
            }),
      },
    });
    for (const { call, result } of answered) {
      written.push({
        type: 'tool',
        data: {
          content: outputText(result.output),
          role: undefined,
          name: call.name,
          tool_call_id: call.id,
          additional_kwargs: {},
          response_metadata: {},
        },
      });
    }
  }
  return written;
}

function responseMetadataOf(message: Message): JsonObject {
  return {
    ...(message.model === null ? {} : { model_name: message.model }),
    ...(message.usage === null ? {} : { usage: { total_tokens: message.usage.totalTokens } }),
  };
}
