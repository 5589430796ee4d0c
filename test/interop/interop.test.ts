import {
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type StoredMessage,
} from '@langchain/core/messages';
import { generateText, modelMessageSchema } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatHistoryError } from '../../src/errors/chat-history-error.js';
import {
  type Loss,
  toLangChainStoredMessages,
  toModelMessages,
  toOpenAIChatMessages,
} from '../../src/interop/index.js';
import type { Attachment, Message } from '../../src/model/canonical-schemas.js';
import { serveVendors } from '../helpers/sandbox-sources.js';

let clock = 0;
function message(id: string, role: Message['role'], overrides: Partial<Message> = {}): Message {
  clock += 1;
  return {
    id,
    conversationId: 'c-1',
    source: 'okchat',
    account: 'bot-1',
    role,
    text: `text of ${id}`,
    attachments: [],
    createdAt: `2025-03-05T04:25:${String(clock).padStart(2, '0')}.000000Z`,
    model: null,
    provider: null,
    usage: null,
    toolCalls: [],
    toolResults: [],
    metadata: {},
    raw: { id },
    ...overrides,
  };
}

const attachment = (
  kind: Attachment['kind'],
  url: string,
  mediaType: string | null,
): Attachment => ({
  url,
  name: url.split('/').pop() ?? null,
  mediaType,
  kind,
});

/** Every role, every attachment kind, every tool pattern. */
const HISTORY: Message[] = [
  message('sys', 'system', {
    attachments: [attachment('document', 'https://x.test/policy.pdf', 'application/pdf')],
  }),
  message('u1', 'user'),
  message('u2', 'user', {
    text: '',
    attachments: [
      attachment('image', 'https://x.test/a.png', 'image/png'),
      attachment('image', 'https://x.test/b', null),
      attachment('audio', 'https://x.test/c.mp3', 'audio/mpeg'),
      attachment('video', 'https://x.test/d', null),
      attachment('document', 'https://x.test/e.pdf', 'application/pdf'),
    ],
  }),
  message('a1', 'assistant', { model: 'gpt-4o', provider: 'openai', usage: { totalTokens: 42 } }),
  // A call answered by the tool message after it, one left unanswered.
  message('a2', 'assistant', {
    text: '',
    toolCalls: [
      { id: 'call_1', name: 'get_weather', arguments: { city: 'Oslo' } },
      { id: 'call_2', name: 'get_time', arguments: { zone: 'CET' } },
    ],
  }),
  message('t1', 'tool', {
    text: '',
    toolResults: [
      { toolCallId: 'call_1', output: { celsius: -3 } },
      { toolCallId: 'call_9', output: 'answers nothing' },
    ],
  }),
  // Calls and results on one message; arguments kept as text (not JSON).
  message('a3', 'assistant', {
    toolCalls: [
      { id: 'call_3', name: 'lookup', arguments: { q: 'x' } },
      { id: 'call_4', name: 'echo', arguments: 'not json {' },
    ],
    toolResults: [
      { toolCallId: 'call_3', output: 'found' },
      { toolCallId: 'call_4', output: null },
    ],
  }),
  message('g1', 'agent', {
    attachments: [attachment('image', 'https://x.test/f.jpg', 'image/jpeg')],
  }),
  message('x1', 'unknown'),
  message('t2', 'tool', { text: 'a tool message answering nothing' }),
  message('a4', 'assistant', { text: '' }),
  message('u3', 'user', { toolCalls: [{ id: 'call_5', name: 'nope', arguments: {} }] }),
];

function converted<T>(
  convert: (messages: Message[], options: { onLoss: (loss: Loss) => void }) => T[],
) {
  const losses: Loss[] = [];
  const output = convert(HISTORY, { onLoss: (loss) => losses.push(loss) });
  return { output, losses };
}

/** The losses every target shares on HISTORY. */
const SHARED: Loss[] = [
  {
    messageId: 'a2',
    part: 'tool_call',
    index: 1,
    toolCallId: 'call_2',
    reason: 'tool_call_without_result',
  },
  {
    messageId: 't1',
    part: 'tool_result',
    index: 1,
    toolCallId: 'call_9',
    reason: 'tool_result_without_call',
  },
  { messageId: 'x1', part: 'message', reason: 'unknown_role' },
  { messageId: 't2', part: 'message', reason: 'tool_message_without_result' },
  { messageId: 'a4', part: 'message', reason: 'empty_message' },
  {
    messageId: 'u3',
    part: 'tool_call',
    index: 0,
    toolCallId: 'call_5',
    reason: 'tool_call_not_supported',
  },
];

const sorted = (losses: Loss[]) =>
  [...losses].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('toModelMessages (Vercel AI SDK)', () => {
  const { output, losses } = converted(toModelMessages);

  it("passes the AI SDK's own modelMessageSchema", () => {
    expect(z.array(modelMessageSchema).safeParse(output).success).toBe(true);
  });

  it('reports every loss once: the shared ones, attachments without media type, the agent', () => {
    expect(sorted(losses)).toEqual(
      sorted([
        ...SHARED,
        { messageId: 'sys', part: 'attachment', index: 0, reason: 'attachment_not_supported' },
        { messageId: 'u2', part: 'attachment', index: 3, reason: 'attachment_without_media_type' },
        { messageId: 'g1', part: 'role', reason: 'agent_role' },
      ]),
    );
  });

  it('writes images and files for users, tool calls with their results right after', () => {
    expect(output.map((m) => m.role)).toEqual([
      'system',
      'user',
      'user',
      'assistant',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    expect(output[2]).toEqual({
      role: 'user',
      content: [
        { type: 'image', image: 'https://x.test/a.png', mediaType: 'image/png' },
        { type: 'image', image: 'https://x.test/b' },
        { type: 'file', data: 'https://x.test/c.mp3', mediaType: 'audio/mpeg', filename: 'c.mp3' },
        {
          type: 'file',
          data: 'https://x.test/e.pdf',
          mediaType: 'application/pdf',
          filename: 'e.pdf',
        },
      ],
    });
    expect(output[4]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'tool-call',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          input: { city: 'Oslo' },
        },
      ],
    });
    expect(output[5]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          toolName: 'get_weather',
          output: { type: 'json', value: { celsius: -3 } },
        },
      ],
    });
    expect(output[7]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_3',
          toolName: 'lookup',
          output: { type: 'text', value: 'found' },
        },
        {
          type: 'tool-result',
          toolCallId: 'call_4',
          toolName: 'echo',
          output: { type: 'json', value: null },
        },
      ],
    });
  });

  it('is accepted by generateText, which hands the mock model the whole history', async () => {
    let prompt: unknown[] = [];
    const model = new MockLanguageModelV3({
      // The model takes every URL as it is: nothing is downloaded.
      supportedUrls: { '*/*': [/^https:/] },
      doGenerate: async (options) => {
        prompt = options.prompt;
        return {
          content: [{ type: 'text', text: 'ok' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 1, text: 1, reasoning: 0 },
          },
          warnings: [],
        };
      },
    });
    const result = await generateText({ model, messages: output });
    expect(result.text).toBe('ok');
    expect(prompt).toHaveLength(output.length);
  });
});

describe('toOpenAIChatMessages (OpenAI Chat Completions)', () => {
  const { output, losses } = converted(toOpenAIChatMessages);
  // Checked by tsc: the output is what the openai package takes.
  const typed: ChatCompletionMessageParam[] = output;

  it('reports every loss once: the shared ones and every attachment but user images', () => {
    const attachmentLoss = (messageId: string, index: number): Loss => ({
      messageId,
      part: 'attachment',
      index,
      reason: 'attachment_not_supported',
    });
    expect(sorted(losses)).toEqual(
      sorted([
        ...SHARED,
        attachmentLoss('sys', 0),
        attachmentLoss('u2', 2),
        attachmentLoss('u2', 3),
        attachmentLoss('u2', 4),
        attachmentLoss('g1', 0),
      ]),
    );
  });

  it('follows every tool call with its tool message, and has no tool message without its call', () => {
    expect(typed.length).toBe(output.length);
    toolOrderHolds(output);
    expect(
      output.find((m) => m.role === 'assistant' && m.tool_calls?.some((c) => c.id === 'call_4')),
    ).toMatchObject({
      tool_calls: [
        { id: 'call_3', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
        { id: 'call_4', type: 'function', function: { name: 'echo', arguments: 'not json {' } },
      ],
    });
    expect(output.filter((m) => m.role === 'tool')).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":-3}' },
      { role: 'tool', tool_call_id: 'call_3', content: 'found' },
      { role: 'tool', tool_call_id: 'call_4', content: 'null' },
    ]);
  });

  it("names the human operator's messages, and never the assistant's", () => {
    const named = output.filter((m) => m.role === 'assistant' && m.name !== undefined);
    expect(named).toEqual([{ role: 'assistant', content: 'text of g1', name: 'human_agent' }]);
    const custom = toOpenAIChatMessages(HISTORY, { agentName: 'support-desk_2' });
    expect(custom.filter((m) => m.role === 'assistant' && m.name !== undefined)).toHaveLength(1);
    for (const agentName of ['', 'has space', 'x'.repeat(65), 'é']) {
      let error: unknown;
      try {
        toOpenAIChatMessages(HISTORY, { agentName });
      } catch (caught) {
        error = caught;
      }
      expect(ChatHistoryError.is(error) && error.code, agentName).toBe('bad_request');
    }
  });
});

describe('toLangChainStoredMessages (LangChain)', () => {
  const { output, losses } = converted(toLangChainStoredMessages);

  it('reports every loss once: the shared ones and arguments that are not an object', () => {
    expect(sorted(losses)).toEqual(
      sorted([
        ...SHARED,
        {
          messageId: 'a3',
          part: 'tool_call',
          index: 1,
          toolCallId: 'call_4',
          reason: 'tool_call_not_supported',
        },
        {
          messageId: 'a3',
          part: 'tool_result',
          index: 1,
          toolCallId: 'call_4',
          reason: 'tool_result_without_call',
        },
      ]),
    );
  });

  it("becomes LangChain's messages and back, with attachments, names, tool calls and metadata", () => {
    const stored = output as unknown as StoredMessage[];
    const live = mapStoredMessagesToChatMessages(stored);
    expect(live.map((m) => m.type)).toEqual([
      'system',
      'human',
      'human',
      'ai',
      'ai',
      'tool',
      'ai',
      'tool',
      'ai',
      'human',
    ]);
    const back = mapChatMessagesToStoredMessages(live);
    back.forEach((again, index) => {
      const before = output[index];
      expect(again.type).toBe(before?.type);
      expect(again.data.content).toEqual(before?.data.content);
      expect(again.data.name).toEqual(before?.data.name);
      expect(again.data.tool_call_id).toEqual(before?.data.tool_call_id);
      expect(again.data.response_metadata).toEqual(before?.data.response_metadata);
    });
    expect(live[3]?.response_metadata).toEqual({
      model_name: 'gpt-4o',
      usage: { total_tokens: 42 },
    });
    expect(live[2]?.content).toEqual([
      { type: 'image', url: 'https://x.test/a.png', mimeType: 'image/png' },
      { type: 'image', url: 'https://x.test/b' },
      { type: 'audio', url: 'https://x.test/c.mp3', mimeType: 'audio/mpeg' },
      { type: 'video', url: 'https://x.test/d' },
      { type: 'file', url: 'https://x.test/e.pdf', mimeType: 'application/pdf' },
    ]);
    const ai = live[4] as unknown as { tool_calls: unknown[] };
    expect(ai.tool_calls).toEqual([
      { id: 'call_1', name: 'get_weather', args: { city: 'Oslo' }, type: 'tool_call' },
    ]);
    expect(live.filter((m) => m.name === 'human_agent').map((m) => m.type)).toEqual(['ai']);
  });
});

describe('every target, on what no target writes as it is', () => {
  const gather = () => {
    const losses: Loss[] = [];
    return { losses, onLoss: (loss: Loss) => losses.push(loss) };
  };

  it("reports a tool message's own text and attachments, and attachments that are not http(s) URLs", () => {
    const messages = [
      message('q1', 'user', {
        attachments: [
          attachment('image', 'data:image/png;base64,AAAA', 'image/png'),
          attachment('image', '', null),
          attachment('image', 'https://x.test/ok.png', 'image/png'),
        ],
      }),
      message('q2', 'assistant', {
        text: '',
        toolCalls: [{ id: 'k1', name: 'chart', arguments: {} }],
      }),
      message('q3', 'tool', {
        text: 'chart rendered',
        attachments: [attachment('image', 'https://x.test/chart.png', 'image/png')],
        toolResults: [{ toolCallId: 'k1', output: 'ok' }],
      }),
      message('q4', 'tool', { text: 'ok2', toolResults: [{ toolCallId: 'k1', output: 'ok2' }] }),
    ];
    for (const convert of [toModelMessages, toOpenAIChatMessages, toLangChainStoredMessages]) {
      const { losses, onLoss } = gather();
      (convert as (m: Message[], o: object) => unknown[])(messages, { onLoss });
      expect(sorted(losses)).toEqual(
        sorted([
          { messageId: 'q1', part: 'attachment', index: 0, reason: 'attachment_not_supported' },
          { messageId: 'q1', part: 'attachment', index: 1, reason: 'attachment_not_supported' },
          { messageId: 'q3', part: 'text', reason: 'text_not_supported' },
          { messageId: 'q3', part: 'attachment', index: 0, reason: 'attachment_not_supported' },
          // A second answer to k1: the first one answered it.
          {
            messageId: 'q4',
            part: 'tool_result',
            index: 0,
            toolCallId: 'k1',
            reason: 'tool_result_without_call',
          },
        ]),
      );
    }
  });

  it("keeps LangChain's content blocks whatever the message's provider", () => {
    for (const provider of [null, 'openai', 'anthropic', 'google']) {
      const messages = [
        message('p1', 'assistant', {
          provider,
          model: 'some-model',
          attachments: [attachment('image', 'https://x.test/p.png', 'image/png')],
          toolCalls: [{ id: 'k1', name: 'f', arguments: { a: 1 } }],
          toolResults: [{ toolCallId: 'k1', output: 'ok' }],
        }),
      ];
      const live = mapStoredMessagesToChatMessages(
        toLangChainStoredMessages(messages) as unknown as StoredMessage[],
      );
      expect(
        live[0]?.contentBlocks.map((block) => block.type),
        String(provider),
      ).toEqual(['text', 'image', 'tool_call']);
    }
  });
});

/** OpenAI's rules: tool messages answer the calls of the assistant message right before them, all of them. */
function toolOrderHolds(messages: readonly ReturnType<typeof toOpenAIChatMessages>[number][]) {
  let pending: string[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      expect(pending).toContain(m.tool_call_id);
      pending = pending.filter((id) => id !== m.tool_call_id);
      continue;
    }
    expect(pending, 'every call answered before the next message').toEqual([]);
    pending = m.role === 'assistant' ? (m.tool_calls ?? []).map((call) => call.id) : [];
  }
  expect(pending).toEqual([]);
}

describe('every sandbox vendor, every target', () => {
  const conversations: Message[][] = [];
  let expected = 0;
  let close: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const served = await serveVendors(() => ({ conversations: 6, messagesPerConversation: 30 }));
    close = served.close;
    for (const { source, emulator } of served.vendors) {
      expected += emulator.conversations().length;
      for await (const conversation of source.listConversations()) {
        conversations.push(await source.listMessages(conversation.id).toArray());
      }
    }
  });
  afterAll(() => close());

  it('converts them all, valid for each target, each message kept or reported once', () => {
    expect(conversations.length).toBe(expected);
    expect(expected).toBeGreaterThan(10);
    const counts = new Map<string, number>();
    for (const messages of conversations) {
      for (const [target, convert] of [
        ['ai', toModelMessages],
        ['openai', toOpenAIChatMessages],
        ['langchain', toLangChainStoredMessages],
      ] as const) {
        const losses: Loss[] = [];
        const output = (convert as (m: Message[], o: object) => unknown[])(messages, {
          onLoss: (loss: Loss) => losses.push(loss),
        });
        for (const loss of losses)
          counts.set(`${target} ${loss.reason}`, (counts.get(`${target} ${loss.reason}`) ?? 0) + 1);
        const dropped = new Set(
          losses.filter((loss) => loss.part === 'message').map((loss) => loss.messageId),
        );
        expect(dropped.size, 'a message dropped once').toBe(
          losses.filter((l) => l.part === 'message').length,
        );
        const kept = messages.filter((m) => !dropped.has(m.id) && m.role !== 'tool');
        const written = (output as { role?: string; type?: string }[]).filter(
          (m) => (m.role ?? m.type) !== 'tool',
        );
        expect(written.length, `${target}: every message written or reported`).toBe(kept.length);
        // Plain data: it survives JSON as it is (no URL objects, no class instances).
        expect(JSON.parse(JSON.stringify(output))).toEqual(output);
        if (target === 'ai')
          expect(z.array(modelMessageSchema).safeParse(output).success).toBe(true);
        if (target === 'openai') toolOrderHolds(output as ReturnType<typeof toOpenAIChatMessages>);
        if (target === 'langchain')
          mapStoredMessagesToChatMessages(output as unknown as StoredMessage[]);
      }
    }
    // Each target's losses, by reason, as its rules predict them from the messages themselves.
    const predicted = new Map<string, number>();
    const add = (key: string) => predicted.set(key, (predicted.get(key) ?? 0) + 1);
    for (const m of conversations.flat()) {
      if (m.role === 'unknown') {
        for (const target of ['ai', 'openai', 'langchain']) add(`${target} unknown_role`);
        continue;
      }
      const images = m.attachments.filter((a) => a.kind === 'image').length;
      const bot = m.role === 'assistant' || m.role === 'agent';
      for (const a of m.attachments) {
        if (m.role === 'system') add('ai attachment_not_supported');
        else if (a.mediaType === null && (bot || a.kind !== 'image'))
          add('ai attachment_without_media_type');
        if (m.role !== 'user' || a.kind !== 'image') add('openai attachment_not_supported');
      }
      const aiKept = m.attachments.filter(
        (a) =>
          (m.role === 'user' && a.kind === 'image') ||
          (m.role !== 'system' && a.mediaType !== null),
      ).length;
      if (m.text === '' && aiKept === 0) add('ai empty_message');
      else if (m.role === 'agent') add('ai agent_role');
      if (m.text === '' && (m.role === 'user' ? images : 0) === 0) add('openai empty_message');
      if (m.text === '' && m.attachments.length === 0) add('langchain empty_message');
    }
    expect(Object.fromEntries([...counts].sort())).toEqual(
      Object.fromEntries([...predicted].sort()),
    );
    expect(counts.get('ai agent_role')).toBeGreaterThan(0);
    expect(counts.get('openai attachment_not_supported')).toBeGreaterThan(0);
  });
});
