import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ChatsV1ChatSchema,
  ChatsV1ChatsPageSchema,
  ChatsV1MessageSchema,
  ChatsV1MessagesPageSchema,
  isChatsV1Chat,
  isChatsV1ChatsPage,
  isChatsV1Message,
  isChatsV1MessagesPage,
} from '../src/providers/chats-v1/chats-v1-api.js';
import { mapChatsV1Chat } from '../src/providers/chats-v1/map-chats-v1-chat.js';
import { mapChatsV1Message } from '../src/providers/chats-v1/map-chats-v1-message.js';
import { mapRecordWith } from '../src/providers/map-record.js';
import { mapOkChatConversation } from '../src/providers/okchat/map-okchat-conversation.js';
import { mapOkChatMessage } from '../src/providers/okchat/map-okchat-message.js';
import {
  isOkChatConversation,
  isOkChatMessage,
  isOkChatPage,
  OkChatConversationSchema,
  OkChatMessageSchema,
  OkChatPageSchema,
} from '../src/providers/okchat/okchat-api.js';
import { createChatsV1Emulator, createOkChatEmulator } from '../src/testing/index.js';
import chatsFixture from './fixtures/chats-v1-messages.json' with { type: 'json' };
import conversationsFixture from './fixtures/okchat-conversations.page1.json' with { type: 'json' };
import messagesFixture from './fixtures/okchat-messages.page1.json' with { type: 'json' };

type WireRecord = Record<string, unknown>;

const okchat = createOkChatEmulator({ conversations: 14, seed: 5 });
const chats = createChatsV1Emulator({ chats: 6, seed: 5 });
const okchatMessages = [
  ...(messagesFixture.data as WireRecord[]),
  ...okchat.conversations().flatMap((c) => okchat.messages(String(c.id))),
];
const okchatConversations = [
  ...(conversationsFixture.data as WireRecord[]),
  ...okchat.conversations(),
];
const chatsMessages = [
  ...(chatsFixture.messages as WireRecord[]),
  ...chats.chats().flatMap((c) => chats.messages(String(c.id))),
];

/** A real record with one field replaced by any JSON value, removed, or nested oddly. */
function mutated(records: readonly WireRecord[], keys: readonly string[]): fc.Arbitrary<unknown> {
  const base = fc.constantFrom(...records);
  return fc.oneof(
    base,
    fc
      .tuple(base, fc.constantFrom(...keys), fc.jsonValue())
      .map(([record, key, value]) => ({ ...record, [key]: value })),
    fc.tuple(base, fc.constantFrom(...keys)).map(([record, key]) => {
      const copy = { ...record };
      delete copy[key];
      return copy;
    }),
    fc
      .tuple(base, fc.constantFrom(...keys), fc.jsonValue())
      .map(([record, key, value]) => ({ ...record, [key]: [value] })),
    fc.jsonValue(),
  );
}

interface Case {
  name: string;
  schema: z.ZodType;
  guard: (value: unknown) => boolean;
  records: fc.Arbitrary<unknown>;
  /** The schema changes no value the guard accepts, so the two must agree exactly. */
  exact: boolean;
  map?: (wire: never, raw: unknown) => unknown;
}

const keysOf = (records: readonly WireRecord[]) => [
  ...new Set(records.flatMap((r) => Object.keys(r))),
  'extra',
];
const envelope = (key: string, records: readonly WireRecord[]) =>
  fc.oneof(
    fc.record({
      [key]: fc.constant(records.slice(0, 3)),
      total: fc.jsonValue(),
      has_more: fc.jsonValue(),
    }),
    fc.record({
      [key]: fc.jsonValue(),
      total: fc.nat(),
      offset: fc.nat(),
      limit: fc.nat(),
      has_more: fc.boolean(),
    }),
  );

const cases: Case[] = [
  {
    name: 'OkChat message',
    schema: OkChatMessageSchema,
    guard: isOkChatMessage,
    records: mutated(okchatMessages, keysOf(okchatMessages)),
    exact: true,
    map: ((wire: never, raw: unknown) =>
      mapOkChatMessage(wire, raw, { conversationId: 'c' })) as Case['map'],
  },
  {
    name: 'OkChat conversation',
    schema: OkChatConversationSchema,
    guard: isOkChatConversation,
    records: mutated(okchatConversations, keysOf(okchatConversations)),
    // Numeric user ids are turned into strings by the schema: the guard leaves them to it.
    exact: false,
    map: mapOkChatConversation as Case['map'],
  },
  {
    name: 'Chats v1 message',
    schema: ChatsV1MessageSchema,
    guard: isChatsV1Message,
    records: mutated(chatsMessages, keysOf(chatsMessages)),
    exact: true,
    map: ((wire: never, raw: unknown) =>
      mapChatsV1Message(wire, raw, { conversationId: 'c' })) as Case['map'],
  },
  {
    name: 'Chats v1 chat',
    schema: ChatsV1ChatSchema,
    guard: isChatsV1Chat,
    records: mutated(chats.chats() as WireRecord[], keysOf(chats.chats() as WireRecord[])),
    exact: true,
    map: mapChatsV1Chat as Case['map'],
  },
  {
    name: 'OkChat page',
    schema: OkChatPageSchema,
    guard: isOkChatPage,
    records: fc.oneof(
      fc.record({ data: fc.jsonValue(), metadata: fc.jsonValue() }),
      fc.record({
        data: fc.constant([]),
        metadata: fc.record({
          currentPage: fc.oneof(fc.nat(), fc.jsonValue()),
          totalPages: fc.oneof(fc.nat(), fc.constant('3')),
        }),
      }),
    ),
    // Counts given as numeric strings are converted by the schema.
    exact: false,
  },
  {
    name: 'Chats v1 messages page',
    schema: ChatsV1MessagesPageSchema,
    guard: isChatsV1MessagesPage,
    records: envelope('messages', chatsMessages),
    exact: false,
  },
  {
    name: 'Chats v1 chats page',
    schema: ChatsV1ChatsPageSchema,
    guard: isChatsV1ChatsPage,
    records: envelope('chats', chats.chats() as WireRecord[]),
    exact: false,
  },
];

describe('fast-path guards agree with the zod wire schemas', () => {
  it.each(cases)(
    '$name: the guard never accepts what the schema rejects',
    ({ schema, guard, records, exact }) => {
      fc.assert(
        fc.property(records, (record) => {
          const accepted = guard(record);
          const valid = schema.safeParse(record).success;
          if (accepted) expect(valid).toBe(true);
          if (exact) expect(accepted).toBe(valid);
        }),
        { numRuns: 400 },
      );
    },
  );

  it.each(cases.filter((c) => c.map !== undefined))(
    '$name: the fast path and the schema path map to the same record, and neither throws',
    ({ schema, guard, records, map }) => {
      const mapper = map as (wire: unknown, raw: unknown) => unknown;
      fc.assert(
        fc.property(records, (record) => {
          const slow = mapRecordWith(schema, record, mapper);
          const fast = mapRecordWith(
            schema,
            record,
            mapper,
            guard as (value: unknown) => value is never,
          );
          expect(fast.ok).toBe(slow.ok);
          if (fast.ok && slow.ok) expect(fast.value).toEqual(slow.value);
        }),
        { numRuns: 400 },
      );
    },
  );

  it('the emulators and fixtures are all on the fast path', () => {
    expect(okchatMessages.every(isOkChatMessage)).toBe(true);
    expect(okchatConversations.every(isOkChatConversation)).toBe(true);
    expect(chatsMessages.every(isChatsV1Message)).toBe(true);
  });
});
