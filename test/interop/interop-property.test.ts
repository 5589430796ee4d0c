import { mapStoredMessagesToChatMessages, type StoredMessage } from '@langchain/core/messages';
import { modelMessageSchema } from 'ai';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Loss,
  toLangChainStoredMessages,
  toModelMessages,
  toOpenAIChatMessages,
} from '../../src/interop/index.js';
import type { Message } from '../../src/model/canonical-schemas.js';

const ids = fc.constantFrom('call_a', 'call_b', 'call_c');
const messageArbitrary = fc.record({
  role: fc.constantFrom('user', 'assistant', 'agent', 'system', 'tool', 'unknown') as fc.Arbitrary<
    Message['role']
  >,
  text: fc.constantFrom('', 'some text'),
  attachments: fc.array(
    fc.record({
      url: fc.constant('https://files.test/x'),
      name: fc.constantFrom(null, 'x.bin'),
      mediaType: fc.constantFrom(null, 'image/png', 'application/pdf'),
      kind: fc.constantFrom('image', 'audio', 'video', 'document', 'file') as fc.Arbitrary<
        Message['attachments'][number]['kind']
      >,
    }),
    { maxLength: 2 },
  ),
  toolCalls: fc.array(
    fc.record({
      id: ids,
      name: fc.constant('tool'),
      arguments: fc.constantFrom<Message['toolCalls'][number]['arguments']>(
        { q: 1 },
        'not json',
        [1],
      ),
    }),
    { maxLength: 2 },
  ),
  toolResults: fc.array(
    fc.record({ toolCallId: ids, output: fc.constantFrom('done', null, { ok: true }) }),
    {
      maxLength: 2,
    },
  ),
});

type Part = typeof messageArbitrary extends fc.Arbitrary<infer T> ? T : never;

function history(parts: Part[]): Message[] {
  return parts.map((part, index) => ({
    id: `m${index}`,
    conversationId: 'c',
    source: 'okchat',
    account: 'a',
    createdAt: `2025-01-01T00:00:${String(index).padStart(2, '0')}.000000Z`,
    model: null,
    provider: null,
    usage: null,
    metadata: {},
    raw: null,
    ...part,
  }));
}

/** Calls and results written, by message position in the output, as `toolCallId`s. */
function openAIParts(output: ReturnType<typeof toOpenAIChatMessages>) {
  const calls = output.flatMap((m) =>
    m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => c.id) : [],
  );
  const results = output.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : []));
  return { calls, results };
}

describe('interop, on random histories', () => {
  it('writes each tool call and result, or reports it, exactly once; outputs stay valid for every target', () => {
    fc.assert(
      fc.property(fc.array(messageArbitrary, { maxLength: 12 }), (parts) => {
        const messages = history(parts);
        const run = <T>(convert: (m: Message[], o: { onLoss: (loss: Loss) => void }) => T[]) => {
          const losses: Loss[] = [];
          const output = convert(messages, { onLoss: (loss) => losses.push(loss) });
          // One report per thing lost: no two alike.
          const keys = losses.map((loss) => JSON.stringify(loss));
          expect(new Set(keys).size).toBe(keys.length);
          return { output, losses };
        };
        const openai = run(toOpenAIChatMessages);
        const dropped = new Set(
          openai.losses.filter((loss) => loss.part === 'message').map((loss) => loss.messageId),
        );
        const { calls, results } = openAIParts(openai.output);
        // Every call written is answered right after it, and every result answers a call written.
        expect([...results].sort()).toEqual([...calls].sort());
        const reportedCalls = openai.losses.filter((loss) => loss.part === 'tool_call').length;
        const reportedResults = openai.losses.filter((loss) => loss.part === 'tool_result').length;
        // A message dropped for its role, or a tool message with no result, takes its parts with
        // it (one report); every other call and result is written or reported.
        const whole = new Set(
          openai.losses
            .filter(
              (loss) =>
                loss.reason === 'unknown_role' || loss.reason === 'tool_message_without_result',
            )
            .map((loss) => loss.messageId),
        );
        const counted = messages.filter((m) => !whole.has(m.id));
        const inputCalls = counted.reduce((sum, m) => sum + m.toolCalls.length, 0);
        expect(calls.length + reportedCalls).toBe(inputCalls);
        const inputResults = counted.reduce((sum, m) => sum + m.toolResults.length, 0);
        expect(results.length + reportedResults).toBe(inputResults);
        // Every message is written (counting a tool message by its results) or reported.
        const written = openai.output.filter((m) => m.role !== 'tool').length;
        const kept = messages.filter((m) => m.role !== 'tool' && !dropped.has(m.id)).length;
        expect(written).toBe(kept);

        const ai = run(toModelMessages);
        expect(z.array(modelMessageSchema).safeParse(ai.output).success).toBe(true);
        const langchain = run(toLangChainStoredMessages);
        mapStoredMessagesToChatMessages(langchain.output as unknown as StoredMessage[]);
      }),
      { numRuns: 300 },
    );
  });
});
