/**
 * Why a part of a conversation did not make it into a target format. Every loss is reported once,
 * through `onLoss`: one report per lost part, one per message dropped. A message dropped for what
 * it is (`unknown_role`, `tool_message_without_result`) takes its parts with it; one dropped as
 * `empty_message` lost each part first, each reported.
 */
export type LossReason =
  /** A message whose role has no equivalent (`unknown`): dropped. */
  | 'unknown_role'
  /** Nothing of the message was left to write (no text, and every other part lost): dropped. */
  | 'empty_message'
  /** A `tool` message with no tool result in it: it answers nothing, and is dropped. */
  | 'tool_message_without_result'
  /** An `agent` (human operator) message written as the assistant's: the target has no way to tell them apart. */
  | 'agent_role'
  /** An attachment the target cannot carry on this message, or one whose URL is not an absolute http(s) URL. */
  | 'attachment_not_supported'
  /** An attachment the target needs a media type for, and the attachment has none. */
  | 'attachment_without_media_type'
  /** A tool call no result answers: targets refuse a call left unanswered. */
  | 'tool_call_without_result'
  /** A tool call the target cannot carry: on a user, system or tool message, or (LangChain) arguments that are not an object. */
  | 'tool_call_not_supported'
  /** A second call with the same id in one message. */
  | 'duplicate_tool_call'
  /** A tool result that answers no call (of its own message, or of the message before its tool messages). */
  | 'tool_result_without_call'
  /** The text of a `tool` message that is not one of its results' output: targets write only the results. */
  | 'text_not_supported';

/** Every {@link LossReason}, in the order the documentation lists them. */
export const LOSS_REASONS: readonly LossReason[] = [
  'unknown_role',
  'empty_message',
  'tool_message_without_result',
  'agent_role',
  'attachment_not_supported',
  'attachment_without_media_type',
  'tool_call_without_result',
  'tool_call_not_supported',
  'duplicate_tool_call',
  'tool_result_without_call',
  'text_not_supported',
];

/** What was lost, where (`messageId`: the canonical message's `id`), and why. */
export type Loss =
  | {
      messageId: string;
      part: 'message';
      reason: 'unknown_role' | 'empty_message' | 'tool_message_without_result';
    }
  | { messageId: string; part: 'role'; reason: 'agent_role' }
  | { messageId: string; part: 'text'; reason: 'text_not_supported' }
  | {
      messageId: string;
      part: 'attachment';
      /** Position of the attachment in the message's `attachments`. */
      index: number;
      reason: 'attachment_not_supported' | 'attachment_without_media_type';
    }
  | {
      messageId: string;
      part: 'tool_call';
      /** Position of the call in the message's `toolCalls`. */
      index: number;
      toolCallId: string;
      reason: 'tool_call_without_result' | 'tool_call_not_supported' | 'duplicate_tool_call';
    }
  | {
      messageId: string;
      part: 'tool_result';
      /** Position of the result in the message's `toolResults`. */
      index: number;
      toolCallId: string;
      reason: 'tool_result_without_call';
    };

/** Options every converter takes. */
export interface ConvertOptions {
  /** Hears every loss, once. */
  onLoss?: (loss: Loss) => void;
}
