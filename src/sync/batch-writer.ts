import {
  type CheckpointRow,
  type SourceKey,
  type StoreBatch,
  type StoreBatchResult,
  type StoreSync,
  sourceKeyOf,
} from '../store/store.js';

/** Rows gathered before a batch is written. */
export const BATCH_ROWS = 5000;
/** Longest time written data waits in memory before it is committed. */
const FLUSH_AFTER_MS = 1000;

/**
 * Gathers what every conversation of a sync writes into batches, each committed in one
 * transaction, one at a time, in the order the parts were added: data always lands with (or
 * before) the checkpoint that points past it. A caller whose part fills a batch waits for that
 * batch to be written, so memory holds about one batch and the pages in flight.
 */
export class BatchWriter {
  readonly #sync: StoreSync;
  readonly #onWritten: (result: StoreBatchResult) => void;
  #pending: StoreBatch = emptyBatch();
  #rows = 0;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sync: StoreSync, onWritten: (result: StoreBatchResult) => void) {
    this.#sync = sync;
    this.#onWritten = onWritten;
  }

  /** Adds a part; resolves at once, or once the batch it filled is written. */
  async add(part: Partial<StoreBatch>): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const pending = this.#pending;
    for (const field of FIELDS) {
      const rows = part[field];
      if (rows === undefined || rows.length === 0) continue;
      (pending[field] as unknown[]).push(...rows);
      this.#rows += rows.length;
    }
    if (this.#rows >= BATCH_ROWS) {
      await this.flush();
    } else if (this.#rows > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush().catch(() => undefined);
      }, FLUSH_AFTER_MS);
    }
  }

  /** Writes everything added so far; rejects with the store's error if a write failed. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const written = this.#tail.then(async () => {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#rows === 0) return;
      const batch = deduplicated(this.#pending);
      this.#pending = emptyBatch();
      this.#rows = 0;
      try {
        this.#onWritten(await this.#sync.write(batch));
      } catch (error) {
        this.#failure = error;
        throw error;
      }
    });
    this.#tail = written.catch(() => undefined);
    return written;
  }
}

const FIELDS = [
  'conversations',
  'messages',
  'checkpoints',
  'messageDeletes',
  'conversationDeletes',
  'sources',
] as const;

function emptyBatch(): StoreBatch {
  return {
    conversations: [],
    messages: [],
    checkpoints: [],
    messageDeletes: [],
    conversationDeletes: [],
    sources: [],
  };
}

/**
 * One row per key, the last added: a conversation read again within a batch (its tail did not
 * line up) holds some messages twice, and one statement may not write a row twice.
 */
function deduplicated(batch: StoreBatch): StoreBatch {
  return {
    ...batch,
    conversations: lastOf(batch.conversations, (row) => `${sourceKeyOf(row)}\n${row.id}`),
    messages: lastOf(batch.messages, (row) => `${sourceKeyOf(row)}\n${row.id}`),
    checkpoints: lastOf(batch.checkpoints, (row: CheckpointRow) => rowKey(row, row.conversationId)),
  };
}

function rowKey(key: SourceKey, id: string): string {
  return `${sourceKeyOf(key)}\n${id}`;
}

function lastOf<T>(rows: T[], keyOf: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    byKey.delete(key);
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}
