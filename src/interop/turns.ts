import type { Message, ToolCall, ToolResult } from '../model/canonical-schemas.js';
import type { Loss } from './losses.js';

/** A call with the result that answers it. */
export interface AnsweredCall {
  call: ToolCall;
  result: ToolResult;
}

/**
 * A message as every target writes it: a `user`, `assistant`, `agent` or `system` message, with
 * only the tool calls that a result answers, and those results (in the order of the calls), to
 * be written right after it.
 */
export interface Turn {
  message: Message;
  answered: AnsweredCall[];
}

/** What a target can carry, for {@link turnsOf}. */
export interface TurnRules {
  /** Whether the target can carry this call (LangChain wants arguments as an object). */
  carriesCall?: (call: ToolCall) => boolean;
}

/**
 * The messages of one conversation, oldest first, as turns: `tool` messages are folded into the
 * turn whose calls they answer, and whatever cannot be written is reported (once) and left out.
 * A result answers a call when it is on the same message or in the `tool` messages right after
 * it; targets refuse a call without its result and a result without its call, so neither is kept
 * alone.
 */
export function turnsOf(
  messages: readonly Message[],
  report: (loss: Loss) => void,
  rules: TurnRules = {},
): Turn[] {
  const turns: Turn[] = [];
  let index = 0;
  while (index < messages.length) {
    const message = messages[index] as Message;
    index += 1;
    if (message.role === 'unknown') {
      report({ messageId: message.id, part: 'message', reason: 'unknown_role' });
      continue;
    }
    if (message.role === 'tool') {
      // A tool message no call before it claimed.
      unclaimed(message, report);
      continue;
    }
    const calls = new Map<string, { call: ToolCall; index: number }>();
    message.toolCalls.forEach((call, callIndex) => {
      const lost = (reason: 'tool_call_not_supported' | 'duplicate_tool_call') =>
        report({
          messageId: message.id,
          part: 'tool_call',
          index: callIndex,
          toolCallId: call.id,
          reason,
        });
      if (message.role !== 'assistant' && message.role !== 'agent') lost('tool_call_not_supported');
      else if (calls.has(call.id)) lost('duplicate_tool_call');
      else if (rules.carriesCall !== undefined && !rules.carriesCall(call)) {
        lost('tool_call_not_supported');
      } else calls.set(call.id, { call, index: callIndex });
    });
    const answers = new Map<string, ToolResult>();
    const claim = (holder: Message) => {
      holder.toolResults.forEach((result, resultIndex) => {
        if (calls.has(result.toolCallId) && !answers.has(result.toolCallId)) {
          answers.set(result.toolCallId, result);
        } else {
          report({
            messageId: holder.id,
            part: 'tool_result',
            index: resultIndex,
            toolCallId: result.toolCallId,
            reason: 'tool_result_without_call',
          });
        }
      });
    };
    claim(message);
    while (index < messages.length && messages[index]?.role === 'tool') {
      const tool = messages[index] as Message;
      index += 1;
      if (droppedToolMessage(tool, report)) continue;
      toolMessageParts(tool, report);
      claim(tool);
    }
    const answered: AnsweredCall[] = [];
    for (const { call, index: callIndex } of calls.values()) {
      const result = answers.get(call.id);
      if (result === undefined) {
        report({
          messageId: message.id,
          part: 'tool_call',
          index: callIndex,
          toolCallId: call.id,
          reason: 'tool_call_without_result',
        });
      } else answered.push({ call, result });
    }
    turns.push({ message, answered });
  }
  return turns;
}

/** A tool message with no result answers nothing: dropped whole (its parts with it). */
function droppedToolMessage(message: Message, report: (loss: Loss) => void): boolean {
  if (message.toolResults.length > 0) return false;
  report({ messageId: message.id, part: 'message', reason: 'tool_message_without_result' });
  return true;
}

/**
 * What a tool message holds besides its results, which no target writes: its own calls, its
 * attachments, and its text when it is not one of its results' output.
 */
function toolMessageParts(message: Message, report: (loss: Loss) => void): void {
  const outputs = new Set(message.toolResults.map((result) => outputText(result.output)));
  if (message.text !== '' && !outputs.has(message.text)) {
    report({ messageId: message.id, part: 'text', reason: 'text_not_supported' });
  }
  message.attachments.forEach((_, index) => {
    report({
      messageId: message.id,
      part: 'attachment',
      index,
      reason: 'attachment_not_supported',
    });
  });
  message.toolCalls.forEach((call, index) => {
    report({
      messageId: message.id,
      part: 'tool_call',
      index,
      toolCallId: call.id,
      reason: 'tool_call_not_supported',
    });
  });
}

/** A tool message no call before it claimed: every result of it answers nothing. */
function unclaimed(message: Message, report: (loss: Loss) => void): void {
  if (droppedToolMessage(message, report)) return;
  toolMessageParts(message, report);
  message.toolResults.forEach((result, index) => {
    report({
      messageId: message.id,
      part: 'tool_result',
      index,
      toolCallId: result.toolCallId,
      reason: 'tool_result_without_call',
    });
  });
}

/** A tool's output as text, for targets whose tool messages hold text only. */
export function outputText(output: ToolResult['output']): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}

/** A call's arguments as JSON text (kept as they came when the vendor's text was not JSON). */
export function argumentsText(call: ToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/**
 * Whether an attachment can be passed on by its URL: an absolute `http:` or `https:` URL (a target
 * takes anything else for inline data, or refuses it).
 */
export function linkable(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
