import type { Attachment, Message } from '../model/canonical-schemas.js';
import type { JsonValue } from '../model/json.js';
import type { ConvertOptions, Loss } from './losses.js';
import { linkable, type Turn, turnsOf } from './turns.js';

/** A JSON value as the AI SDK types it (mutable arrays, keys that may be `undefined`). */
export type ModelJsonValue =
  | null
  | string
  | number
  | boolean
  | { [key: string]: ModelJsonValue | undefined }
  | ModelJsonValue[];

/** Text of a message, as the AI SDK writes it. */
export interface ModelTextPart {
  type: 'text';
  text: string;
}

/** An image, by URL. */
export interface ModelImagePart {
  type: 'image';
  image: string;
  mediaType?: string;
}

/** A file, by URL, with its media type (the AI SDK requires it). */
export interface ModelFilePart {
  type: 'file';
  data: string;
  mediaType: string;
  filename?: string;
}

/** A tool call the assistant made. */
export interface ModelToolCallPart {
  type: 'tool-call';
  toolCallId: string;
  toolName: string;
  input: ModelJsonValue;
}

/** What a tool answered: text as text, anything else as JSON. */
export interface ModelToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  output: { type: 'text'; value: string } | { type: 'json'; value: ModelJsonValue };
}

/**
 * A message of the Vercel AI SDK (`ModelMessage` of `ai` 5 and 6), as plain data: what
 * `generateText({ messages })` and `streamText` take.
 */
export type ModelMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | (ModelTextPart | ModelImagePart | ModelFilePart)[] }
  | {
      role: 'assistant';
      content: string | (ModelTextPart | ModelFilePart | ModelToolCallPart)[];
    }
  | { role: 'tool'; content: ModelToolResultPart[] };

/**
 * The messages of one conversation (oldest first) as the Vercel AI SDK's `ModelMessage[]`.
 *
 * - `user`, `assistant` and `system` map to themselves; `agent` (a human operator) becomes
 *   `assistant`, reported once per message as `agent_role`: the AI SDK has no way to tell them
 *   apart. `unknown` messages are dropped (`unknown_role`).
 * - Attachments: on user messages, images become image parts and other files file parts, which
 *   need a media type (`attachment_without_media_type` without one); on assistant messages, file
 *   parts (images too) with a media type; on system messages, none (`attachment_not_supported`).
 * - Tool calls become tool-call parts, and their results a `tool` message right after; a call
 *   without result, or a result without call, is dropped and reported.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/interop.md
 */
export function toModelMessages(
  messages: readonly Message[],
  options: ConvertOptions = {},
): ModelMessage[] {
  const report = (loss: Loss) => options.onLoss?.(loss);
  const written: ModelMessage[] = [];
  for (const turn of turnsOf(messages, report)) {
    const message = modelMessageOf(turn, report);
    if (message === null) {
      report({ messageId: turn.message.id, part: 'message', reason: 'empty_message' });
      continue;
    }
    written.push(message);
    if (turn.answered.length > 0) {
      written.push({
        role: 'tool',
        content: turn.answered.map(({ call, result }) => ({
          type: 'tool-result',
          toolCallId: call.id,
          toolName: call.name,
          output:
            typeof result.output === 'string'
              ? { type: 'text', value: result.output }
              : { type: 'json', value: modelJson(result.output) },
        })),
      });
    }
  }
  return written;
}

function modelMessageOf(turn: Turn, report: (loss: Loss) => void): ModelMessage | null {
  const { message } = turn;
  const text: ModelTextPart[] = message.text === '' ? [] : [{ type: 'text', text: message.text }];
  const lost = (
    index: number,
    reason: 'attachment_not_supported' | 'attachment_without_media_type',
  ) => report({ messageId: message.id, part: 'attachment', index, reason });
  // A file part, for an attachment with an http(s) URL and a media type; else reported.
  const fileOf = (attachment: Attachment, index: number): ModelFilePart | undefined => {
    const { url, mediaType, name } = attachment;
    if (!linkable(url)) lost(index, 'attachment_not_supported');
    else if (mediaType === null) lost(index, 'attachment_without_media_type');
    else
      return { type: 'file', data: url, mediaType, ...(name === null ? {} : { filename: name }) };
    return undefined;
  };
  switch (message.role) {
    case 'system': {
      message.attachments.forEach((_, index) => {
        lost(index, 'attachment_not_supported');
      });
      return message.text === '' ? null : { role: 'system', content: message.text };
    }
    case 'user': {
      const parts: (ModelTextPart | ModelImagePart | ModelFilePart)[] = [...text];
      message.attachments.forEach((attachment, index) => {
        const { url, mediaType } = attachment;
        if (attachment.kind === 'image' && linkable(url)) {
          parts.push({ type: 'image', image: url, ...(mediaType === null ? {} : { mediaType }) });
        } else {
          const part = fileOf(attachment, index);
          if (part !== undefined) parts.push(part);
        }
      });
      if (parts.length === 0) return null;
      return {
        role: 'user',
        content: parts.length === 1 && text.length === 1 ? message.text : parts,
      };
    }
    default: {
      // assistant, and agent written as the assistant.
      const parts: (ModelTextPart | ModelFilePart | ModelToolCallPart)[] = [...text];
      message.attachments.forEach((attachment, index) => {
        const part = fileOf(attachment, index);
        if (part !== undefined) parts.push(part);
      });
      for (const { call } of turn.answered) {
        parts.push({
          type: 'tool-call',
          toolCallId: call.id,
          toolName: call.name,
          input: modelJson(call.arguments),
        });
      }
      if (parts.length === 0) return null;
      if (message.role === 'agent')
        report({ messageId: message.id, part: 'role', reason: 'agent_role' });
      return {
        role: 'assistant',
        content: parts.length === 1 && text.length === 1 ? message.text : parts,
      };
    }
  }
}

/** The same value, typed as the AI SDK types JSON (canonical values are plain JSON). */
function modelJson(value: JsonValue): ModelJsonValue {
  return value as unknown as ModelJsonValue;
}
