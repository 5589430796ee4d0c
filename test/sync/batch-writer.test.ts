import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/model/canonical-schemas.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store, StoreBatch, StoreBatchResult } from '../../src/store/store.js';
import { BATCH_ROWS, BatchWriter } from '../../src/sync/batch-writer.js';
import { freshStoreUrl, readStore } from '../helpers/stores.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function messages(conversationId: string, count: number): Message[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${conversationId}-m-${index}`,
    conversationId,
    source: 'okchat',
    account: 'bot-1',
    role: 'user',
    text: `message ${index}`,
    attachments: [],
    createdAt: '2025-03-05T04:25:58.059835Z',
    model: null,
    provider: null,
    usage: null,
    toolCalls: [],
    toolResults: [],
    metadata: {},
    raw: { index },
  }));
}

/** Whether `promise` has settled once everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

describe('BatchWriter', () => {
  it('writes batches one at a time, in order, while the reading fills the next one', async () => {
    const url = await freshStoreUrl('duckdb');
    const store = await openStore(url);
    opened.push(store);
    const sync = await store.beginSync();
    // The store's writes wait until the test lets each one go.
    const started: StoreBatch[] = [];
    const gates: (() => void)[] = [];
    const write = sync.write.bind(sync);
    sync.write = async (batch: StoreBatch): Promise<StoreBatchResult> => {
      started.push(batch);
      await new Promise<void>((resolve) => gates.push(resolve));
      return write(batch);
    };
    const written: number[] = [];
    const writer = new BatchWriter(sync, (result) => {
      written.push([...result.values()].reduce((sum, counts) => sum + counts.messages.upserted, 0));
    });

    // The first full batch goes to the store; its part is taken at once.
    await writer.add({ messages: messages('c-1', BATCH_ROWS), fresh: true });
    expect(started).toHaveLength(1);
    // The next fills while the first is written: its part waits for the first batch only.
    const second = writer.add({ messages: messages('c-2', BATCH_ROWS), fresh: true });
    expect(await settled(second)).toBe(false);
    // The reading goes on into a third batch, and waits for nothing until it is full.
    await writer.add({ messages: messages('c-3', 10), fresh: true });
    // Full while the second still waits: the parts that fill it and those added meanwhile
    // wait in it, so that no more than one batch waits behind the one being written.
    const third = writer.add({ messages: messages('c-4', BATCH_ROWS - 10), fresh: true });
    const fourth = writer.add({ messages: messages('c-5', 10), fresh: true });
    expect(await settled(third)).toBe(false);
    expect(await settled(fourth)).toBe(false);
    expect(started).toHaveLength(1);

    gates.shift()?.();
    await second;
    expect(written).toEqual([BATCH_ROWS]);
    // One write at a time: the second batch starts once the first is committed.
    await expect.poll(() => started.length).toBe(2);
    expect(new Set(started[1]?.messages.map((message) => message.conversationId))).toEqual(
      new Set(['c-2']),
    );
    expect(await settled(third)).toBe(false);

    gates.shift()?.();
    await Promise.all([third, fourth]);
    await expect.poll(() => started.length).toBe(3);
    const flushed = writer.flush();
    expect(await settled(flushed)).toBe(false);
    gates.shift()?.();
    await flushed;
    expect(written).toEqual([BATCH_ROWS, BATCH_ROWS, BATCH_ROWS + 10]);
    expect(new Set(started[2]?.messages.map((message) => message.conversationId))).toEqual(
      new Set(['c-3', 'c-4', 'c-5']),
    );
    await sync.end();
    await store.close();
    expect((await readStore(url)).messages.size).toBe(3 * BATCH_ROWS + 10);
  });

  it('writes each key of a batch once, the last added, new first, and new only if never compared', async () => {
    const url = await freshStoreUrl('duckdb');
    const store = await openStore(url);
    opened.push(store);
    const sync = await store.beginSync();
    const started: StoreBatch[] = [];
    const write = sync.write.bind(sync);
    sync.write = async (batch: StoreBatch): Promise<StoreBatchResult> => {
      started.push(batch);
      return write(batch);
    };
    const writer = new BatchWriter(sync, () => undefined);
    const edited = (list: Message[]) => list.map((message) => ({ ...message, text: 'edited' }));
    // c-1 is new, and read again within the batch: still new. c-2 is stored, read as new
    // first (its reading started before it was stored): compared. c-3 is stored.
    await writer.add({ messages: messages('c-1', 3), fresh: true });
    await writer.add({ messages: messages('c-2', 2), fresh: true });
    await writer.add({ messages: messages('c-3', 2) });
    await writer.add({ messages: edited(messages('c-1', 3)), fresh: true });
    await writer.add({ messages: edited(messages('c-2', 2)) });
    await writer.flush();
    const [batch] = started;
    expect(started).toHaveLength(1);
    expect(batch?.newMessages).toBe(3);
    expect(batch?.messages.map((message) => [message.id, message.text])).toEqual([
      ['c-1-m-0', 'edited'],
      ['c-1-m-1', 'edited'],
      ['c-1-m-2', 'edited'],
      ['c-3-m-0', 'message 0'],
      ['c-3-m-1', 'message 1'],
      ['c-2-m-0', 'edited'],
      ['c-2-m-1', 'edited'],
    ]);
    // Without a repeated key, the records go as they came, the new ones first.
    await writer.add({ messages: messages('c-4', 2) });
    await writer.add({ messages: messages('c-5', 2), fresh: true });
    await writer.flush();
    expect(started[1]?.newMessages).toBe(2);
    expect(started[1]?.messages.map((message) => message.id)).toEqual([
      'c-5-m-0',
      'c-5-m-1',
      'c-4-m-0',
      'c-4-m-1',
    ]);
    await sync.end();
  });

  it('fails every later part and the flush with the error of the write that failed', async () => {
    const url = await freshStoreUrl('duckdb');
    const store = await openStore(url);
    opened.push(store);
    const sync = await store.beginSync();
    const refused = new Error('the disk is full');
    sync.write = async () => {
      throw refused;
    };
    const writer = new BatchWriter(sync, () => undefined);
    // The part that filled the batch may learn of its failure at once, or the next part does.
    await writer
      .add({ messages: messages('c-1', BATCH_ROWS), fresh: true })
      .catch((error: unknown) => expect(error).toBe(refused));
    await expect(writer.add({ messages: messages('c-2', BATCH_ROWS), fresh: true })).rejects.toBe(
      refused,
    );
    await expect(writer.add({ messages: messages('c-3', 1), fresh: true })).rejects.toBe(refused);
    await expect(writer.flush()).rejects.toBe(refused);
    await sync.end();
  });
});
