import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/model/canonical-schemas.js';
import { openStore } from '../../src/store/open-store.js';
import type { CheckpointRow, Store, StoreBatch, StoreBatchResult } from '../../src/store/store.js';
import { type BatchPart, BatchWriter } from '../../src/sync/batch-writer.js';
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
    const size = sync.batchMessages;
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
    await writer.add({ messages: messages('c-1', size), fresh: true });
    expect(started).toHaveLength(1);
    // The next fills while the first is written: its part waits for the first batch only.
    const second = writer.add({ messages: messages('c-2', size), fresh: true });
    expect(await settled(second)).toBe(false);
    // The reading goes on into a third batch, and waits for nothing until it is full.
    await writer.add({ messages: messages('c-3', 10), fresh: true });
    // Full while the second still waits: the part that fills it waits in it, and a part added
    // meanwhile waits for it to start, so that no more than one batch waits behind the one
    // being written.
    const third = writer.add({ messages: messages('c-4', size - 10), fresh: true });
    const fourth = writer.add({ messages: messages('c-5', 10), fresh: true });
    expect(await settled(third)).toBe(false);
    expect(await settled(fourth)).toBe(false);
    expect(started).toHaveLength(1);

    gates.shift()?.();
    await second;
    expect(written).toEqual([size]);
    // One write at a time: the second batch starts once the first is written.
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
    await expect.poll(() => started.length).toBe(4);
    gates.shift()?.();
    await flushed;
    expect(written).toEqual([size, size, size, 10]);
    expect(new Set(started[2]?.messages.map((message) => message.conversationId))).toEqual(
      new Set(['c-3', 'c-4']),
    );
    expect(started[3]?.messages.map((message) => message.conversationId)).toEqual(
      Array(10).fill('c-5'),
    );
    await sync.end();
    await store.close();
    expect((await readStore(url)).messages.size).toBe(3 * size + 10);
  });

  it('ends a batch where the messages since the start reach a multiple of its size, splitting a part there', async () => {
    const url = await freshStoreUrl('duckdb');
    const store = await openStore(url);
    opened.push(store);
    const sync = await store.beginSync();
    const size = sync.batchMessages;
    const started: StoreBatch[] = [];
    const write = sync.write.bind(sync);
    sync.write = async (batch: StoreBatch): Promise<StoreBatchResult> => {
      started.push(batch);
      return write(batch);
    };
    const writer = new BatchWriter(sync, () => undefined);
    // A page as a reading adds it: its messages, and a checkpoint listing them from its cursor.
    const part = (conversationId: string, count: number, overlap?: string[]): BatchPart => {
      const page = messages(conversationId, count);
      const row: CheckpointRow = {
        source: 'okchat',
        account: 'bot-1',
        conversationId,
        checkpoint: {
          signature: null,
          cursor: null,
          overlap: overlap ?? page.map((message) => message.id),
          fullSince: null,
        },
      };
      return { fresh: true, messages: page, checkpoints: [row] };
    };
    await writer.add(part('c-1', size - 100));
    // Past the batch's end: its first 100 messages end the batch, with a checkpoint listing
    // those alone; the rest and the page's checkpoint go into the next.
    await writer.add(part('c-2', 300));
    await writer.flush();
    // After a batch cut short (a flush), the next ends at the next multiple: 200 messages short.
    await writer.add(part('c-3', size));
    // A part longer than a batch spans batches.
    await writer.add(part('c-4', 2 * size));
    await writer.flush();
    // A part whose checkpoint does not list its messages is not split: its batch (200 messages
    // short) runs over, and the next ends at the next multiple.
    await writer.add(part('c-5', size, []));
    await writer.add(part('c-6', 100));
    await writer.flush();
    // Nor is a part without a checkpoint: nothing would cover what landed first.
    await writer.add({ fresh: true, messages: messages('c-7', size + 50) });
    await writer.flush();
    const shapes = started.map((batch) => ({
      messages: batch.messages.length,
      conversations: [...new Set(batch.messages.map((message) => message.conversationId))],
      checkpoints: batch.checkpoints.map((row) => [
        row.conversationId,
        row.checkpoint.overlap.length,
      ]),
    }));
    expect(shapes).toEqual([
      {
        messages: size,
        conversations: ['c-1', 'c-2'],
        checkpoints: [
          ['c-1', size - 100],
          ['c-2', 100],
        ],
      },
      { messages: 200, conversations: ['c-2'], checkpoints: [['c-2', 300]] },
      { messages: size - 200, conversations: ['c-3'], checkpoints: [['c-3', size - 200]] },
      {
        messages: size,
        conversations: ['c-3', 'c-4'],
        checkpoints: [
          ['c-3', size],
          ['c-4', size - 200],
        ],
      },
      { messages: size, conversations: ['c-4'], checkpoints: [['c-4', 2 * size - 200]] },
      { messages: 200, conversations: ['c-4'], checkpoints: [['c-4', 2 * size]] },
      { messages: size, conversations: ['c-5'], checkpoints: [['c-5', 0]] },
      { messages: 100, conversations: ['c-6'], checkpoints: [['c-6', 100]] },
      { messages: size + 50, conversations: ['c-7'], checkpoints: [] },
    ]);
    // A split page's first messages are those its first checkpoint lists, in order.
    expect(started[0]?.checkpoints[1]?.checkpoint.overlap).toEqual(
      messages('c-2', 100).map((message) => message.id),
    );
    // Every batch is committed by the flush: reads see every checkpoint.
    const key = { source: 'okchat', account: 'bot-1' };
    const ids = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6'];
    expect([...(await sync.readConversations(key, ids)).keys()].sort()).toEqual(ids);
    await sync.end();
    await store.close();
    expect((await readStore(url)).messages.size).toBe(
      size - 100 + 300 + size + 2 * size + size + 100 + size + 50,
    );
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
    const size = sync.batchMessages;
    await writer
      .add({ messages: messages('c-1', size), fresh: true })
      .catch((error: unknown) => expect(error).toBe(refused));
    await expect(writer.add({ messages: messages('c-2', size), fresh: true })).rejects.toBe(
      refused,
    );
    await expect(writer.add({ messages: messages('c-3', 1), fresh: true })).rejects.toBe(refused);
    await expect(writer.flush()).rejects.toBe(refused);
    await sync.end();
  });
});
