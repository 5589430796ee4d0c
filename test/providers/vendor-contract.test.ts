import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatHistorySource } from '../../src/chat-history-source.js';
import {
  ConversationSchema,
  createChatsV1Source,
  createOkChatSource,
  MessageSchema,
} from '../../src/index.js';
import type { Page } from '../../src/paginate/types.js';
import { type RegisteredVendor, VENDORS } from '../../src/providers/registry.js';
import type { HistoryEmulator } from '../../src/testing/emulated-history.js';
import { createChatsV1Emulator, createOkChatEmulator } from '../../src/testing/index.js';
import { type ServedEmulator, serveEmulator } from '../../src/testing/serve.js';
import { caught } from '../helpers/caught.js';

const KEY = 'kq7Zr2vN5d1e9b7a3c';
const PAGE_SIZE = 7;

function sourceFor(entry: RegisteredVendor, served: ServedEmulator, overrides: object = {}) {
  const options = (entry.sandboxSource as (emulator: unknown, url: string) => object)(
    served.emulator,
    served.url,
  );
  return (entry.vendor.createSource as (options: object) => ChatHistorySource)({
    ...options,
    pageSize: PAGE_SIZE,
    ...overrides,
  });
}

/**
 * The contract every registered vendor keeps, run against its own emulator served over loopback:
 * canonical records, paging and resuming, errors, and no credential in any error.
 */
describe.each(VENDORS.map((entry) => ({ id: entry.vendor.id, entry })))(
  'vendor contract: $id',
  ({ entry }) => {
    let served: ServedEmulator<HistoryEmulator>;
    let emulator: HistoryEmulator;
    let source: ChatHistorySource;

    beforeAll(async () => {
      const make = entry.emulate as (options: object) => HistoryEmulator;
      served = await serveEmulator(
        make({ apiKey: KEY, seed: 11, ...entry.sandboxOptions({ conversations: 17 }) }),
      );
      emulator = served.emulator;
      source = sourceFor(entry, served);
    });
    afterAll(() => served.close());

    const conversationIds = () => emulator.conversations().map((record) => String(record.id));

    it('is the vendor it says, with an account on itself and on every record', () => {
      expect(source.id).toBe(entry.vendor.id);
      expect(source.account).toMatch(/\S/);
      expect(sourceFor(entry, served).account).toBe(source.account);
    });

    it('lists every conversation once, in the canonical shape, across pages', async () => {
      const conversations = await source.listConversations().toArray();
      expect(conversations.map((conversation) => conversation.id)).toEqual(conversationIds());
      for (const conversation of conversations) {
        expect(ConversationSchema.parse(conversation)).toEqual(conversation);
        expect(conversation).toMatchObject({ source: entry.vendor.id, account: source.account });
      }
    });

    it('lists every message of a conversation once, in the canonical shape, oldest first', async () => {
      const ids = conversationIds().slice(0, 4);
      for (const id of ids) {
        const messages = await source.listMessages(id, { concurrency: 3 }).toArray();
        expect(messages.map((message) => message.id)).toEqual(
          emulator.messages(id).map((record) => String(record.id)),
        );
        for (const message of messages) {
          expect(MessageSchema.parse(message)).toEqual(message);
          expect(message).toMatchObject({
            source: entry.vendor.id,
            account: source.account,
            conversationId: id,
          });
        }
        const times = messages.map((message) => message.createdAt);
        expect(times).toEqual([...times].sort());
      }
    });

    it('resumes from any page cursor, as plain JSON, without loss or repeat', async () => {
      const all = conversationIds();
      const seen: string[] = [];
      let next: Page<unknown>['next'] = null;
      for await (const page of source.listConversations().pages()) {
        seen.push(...page.items.map((conversation) => conversation.id));
        next = page.next;
        if (seen.length >= PAGE_SIZE * 2) break;
      }
      expect(next).not.toBeNull();
      const rest = await source
        .listConversations({ startAt: JSON.parse(JSON.stringify(next)) })
        .toArray();
      expect([...seen, ...rest.map((conversation) => conversation.id)]).toEqual(all);
    });

    it('reports what it can do, and refuses what it cannot with unsupported', async () => {
      expect(source.capabilities.listConversations).toBe(true);
      expect(source.capabilities.listMessages).toBe(true);
      if (!source.capabilities.filterConversationsByState) {
        expect(() => source.listConversations({ state: 'open' })).toThrow(/does not support/);
      }
      if (!source.capabilities.filterConversationsByUpdatedSince) {
        expect(() => source.listConversations({ updatedSince: '2024-01-01T00:00:00Z' })).toThrow(
          /does not support/,
        );
      }
    });

    it('gives typed errors that never hold the key, whole or in part', async () => {
      const wrongKey = `${KEY}-wrong`;
      const options = (
        entry.sandboxSource as unknown as (
          emulator: unknown,
          url: string,
        ) => Record<string, unknown>
      )(served.emulator, served.url);
      const secretOption = Object.entries(entry.vendor.options).find(
        ([, spec]) => spec?.secret,
      )?.[0];
      expect(secretOption).toBeDefined();
      const wrong = sourceFor(entry, served, { [String(secretOption)]: wrongKey });
      const unauthorized = await caught(wrong.listConversations().toArray());
      expect(unauthorized).toMatchObject({
        code: 'unauthorized',
        source: entry.vendor.id,
        retryable: false,
      });
      const missing = await caught(source.listMessages('no-such-conversation').toArray());
      expect(missing.code).toBe('not_found');
      for (const error of [unauthorized, missing]) {
        const text = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
        for (const key of [KEY, wrongKey]) expect(text).not.toContain(key.slice(0, 8));
      }
      expect(() => sourceFor(entry, served, { [String(secretOption)]: ' ' })).toThrow(
        /is required/,
      );
      expect(options[String(secretOption)]).toBe(KEY);
    });
  },
);

describe('accounts', () => {
  it('every registered vendor runs the contract above', () => {
    expect(VENDORS.map((entry) => entry.vendor.id)).toEqual(['okchat', 'chats-v1', 'intercom']);
  });

  it('records of two accounts of one vendor never collide on (source, account, id)', async () => {
    const okchatA = await serveEmulator(createOkChatEmulator({ seed: 3, chatbotId: 'bot-a' }));
    const okchatB = await serveEmulator(createOkChatEmulator({ seed: 3, chatbotId: 'bot-b' }));
    const v1A = await serveEmulator(createChatsV1Emulator({ seed: 3 }));
    const v1B = await serveEmulator(createChatsV1Emulator({ seed: 3 }));
    try {
      const sources = [
        createOkChatSource({
          apiKey: okchatA.emulator.apiKey,
          chatbotId: 'bot-a',
          baseURL: okchatA.url,
        }),
        createOkChatSource({
          apiKey: okchatB.emulator.apiKey,
          chatbotId: 'bot-b',
          baseURL: okchatB.url,
        }),
        createChatsV1Source({ apiKey: v1A.emulator.apiKey, baseURL: v1A.url }),
        createChatsV1Source({ apiKey: v1B.emulator.apiKey, baseURL: v1B.url }),
      ];
      expect(sources.map((source) => source.account)).toEqual([
        'bot-a',
        'bot-b',
        new URL(v1A.url).host,
        new URL(v1B.url).host,
      ]);
      const records = (
        await Promise.all(sources.map((source) => source.listConversations().toArray()))
      ).flat();
      const ids = new Set(records.map((record) => `${record.source}|${record.id}`));
      const keys = new Set(
        records.map((record) => `${record.source}|${record.account}|${record.id}`),
      );
      // Same seed, same ids: only the account tells the two accounts' records apart.
      expect(ids.size).toBe(records.length / 2);
      expect(keys.size).toBe(records.length);
      const labelled = createChatsV1Source({ apiKey: 'k', baseURL: v1A.url, account: 'eu-prod' });
      expect(labelled.account).toBe('eu-prod');
      expect(() =>
        createChatsV1Source({ apiKey: 'k', baseURL: v1A.url, account: '\uD800' }),
      ).toThrow(/account is not well-formed text/);
    } finally {
      await Promise.all([okchatA.close(), okchatB.close(), v1A.close(), v1B.close()]);
    }
  });
});
