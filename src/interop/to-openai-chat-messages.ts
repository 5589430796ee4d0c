import { invalidArgument } from '../errors/invalid-argument.js';
import type { Message } from '../model/canonical-schemas.js';
import type { ConvertOptions, Loss } from './losses.js';
import { argumentsText, linkable, outputText, turnsOf } from './turns.js';

/** Text of a user message, as Chat Completions writes it. */
export interface OpenAITextPart {
  type: 'text';
  text: string;
}

/** An image of a user message, by URL. */
export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string };
}

/** A tool call of an assistant message. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * A Chat Completions message (`ChatCompletionMessageParam` of `openai` 4 to 6), as plain data:
 * what `client.chat.completions.create({ messages })` takes, and the lines of a fine-tuning file.
 */
export type OpenAIChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | (OpenAITextPart | OpenAIImagePart)[] }
  | {
      role: 'assistant';
      content: string | null;
      name?: string;
      tool_calls?: OpenAIToolCall[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** Options of {@link toOpenAIChatMessages}. */
export interface OpenAIChatOptions extends ConvertOptions {
  /**
   * The `name` of messages written by a human operator (`agent`), so a model can tell them from
   * its own; never set on the assistant's messages. Default `human_agent`; it must match
   * `^[a-zA-Z0-9_-]{1,64}$`, as OpenAI requires.
   */
  agentName?: string;
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** The agent name an option gives, checked. */
export function agentNameOf(given: string | undefined): string {
  const name = given ?? 'human_agent';
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalidArgument('agentName must match ^[a-zA-Z0-9_-]{1,64}$ (letters, digits, _ and -)');
  }
  return name;
}

/**
 * The messages of one conversation (oldest first) as OpenAI Chat Completions messages.
 *
 * - `user`, `assistant` and `system` map to themselves; `agent` becomes `assistant` with `name`
 *   (`agentName`), which the assistant's own messages never have; `unknown` is dropped.
 * - Only images of user messages are carried (`image_url`): Chat Completions takes files and audio
 *   only as uploaded ids or base64 data, never a URL, and assistant and system content is text.
 *   Every other attachment is reported (`attachment_not_supported`).
 * - Tool calls go in `tool_calls` (arguments as JSON text), each followed by its `tool` message;
 *   a call without result, or a result without call, is dropped and reported (OpenAI refuses
 *   both).
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/interop.md
 */
export function toOpenAIChatMessages(
  messages: readonly Message[],
  options: OpenAIChatOptions = {},
): OpenAIChatMessage[] {
  const agentName = agentNameOf(options.agentName);
  const report = (loss: Loss) => options.onLoss?.(loss);
  const written: OpenAIChatMessage[] = [];
  for (const { message, answered } of turnsOf(messages, report)) {
    const lost = (index: number) =>
      report({
        messageId: message.id,
        part: 'attachment',
        index,
        reason: 'attachment_not_supported',
      });
    const empty = () => report({ messageId: message.id, part: 'message', reason: 'empty_message' });
    if (message.role === 'system') {
      message.attachments.forEach((_, index) => {
        lost(index);
      });
      if (message.text === '') empty();
      else written.push({ role: 'system', content: message.text });
      continue;
    }
    if (message.role === 'user') {
      const parts: (OpenAITextPart | OpenAIImagePart)[] =
        message.text === '' ? [] : [{ type: 'text', text: message.text }];
      message.attachments.forEach((attachment, index) => {
        if (attachment.kind === 'image' && linkable(attachment.url)) {
          parts.push({ type: 'image_url', image_url: { url: attachment.url } });
        } else lost(index);
      });
      if (parts.length === 0) empty();
      else {
        written.push({
          role: 'user',
          content: parts.length === 1 && message.text !== '' ? message.text : parts,
        });
      }
      continue;
    }
    // assistant, and agent under its name.
    message.attachments.forEach((_, index) => {
      lost(index);
    });
    if (message.text === '' && answered.length === 0) {
      empty();
      continue;
    }
    written.push({
      role: 'assistant',
      content: message.text === '' ? null : message.text,
      ...(message.role === 'agent' ? { name: agentName } : {}),
      ...(answered.length === 0
        ? {}
        : {
            tool_calls: answered.map(({ call }) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: argumentsText(call) },
            })),
          }),
    });
    for (const { call, result } of answered) {
      written.push({ role: 'tool', tool_call_id: call.id, content: outputText(result.output) });
    }
  }
  return written;
}
