import type { Conversation, Message } from '../model/canonical-schemas.js';
import {
  type CheckpointRow,
  type SourceKey,
  type StoreBatch,
  type StoreBatchResult,
  type StoreSync,
  sourceKeyOf,
} from '../store/store.js';

/**
 * Rows other than messages (conversations, checkpoints, deletes) gathered before a batch is
 * written; messages are counted apart (see {@link StoreSync.batchMessages}).
 */
export const BATCH_ROWS = 5000;
/** Longest time data waits in memory before it is written (the store commits it in its time). */
const FLUSH_AFTER_MS = 1000;

/**
 * Gathers what every conversation of a sync writes into batches, written one at a time, in the
 * order the parts were added: data always lands with a checkpoint that covers it. A batch ends
 * where the messages written since the sync began reach a multiple of the store's
 * {@link StoreSync.batchMessages}, a part's messages split there if need be (see
 * {@link BatchPart}). A caller whose part fills a batch waits for the batch before it to be
 * written, while the reading goes on into the next: memory holds about three batches (one
 * written, one waiting, one filling) and the pages in flight.
 */
export class BatchWriter {
  readonly #sync: StoreSync;
  readonly #onWritten: (result: StoreBatchResult) => void;
  readonly #batchMessages: number;
  #pending: Pending = emptyBatch();
  // Messages of the batch being gathered, messages added since the writer began, where the
  // batch ends (a multiple of the batch size), other rows.
  #messages = 0;
  #total = 0;
  #end: number;
  #rows = 0;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Resolves once the batch sealed full last starts being written; `undefined` when none waits.
  #waiting: Promise<void> | undefined;

  constructor(sync: StoreSync, onWritten: (result: StoreBatchResult) => void) {
    this.#sync = sync;
    this.#onWritten = onWritten;
    this.#batchMessages = Math.max(1, Math.floor(sync.batchMessages));
    this.#end = this.#batchMessages;
  }

  /**
   * Adds a part; resolves at once, or, when it fills a batch, once the batch before it is
   * written. `fresh` says its conversations and messages come from a conversation the store never
   * held.
   */
  async add(part: BatchPart): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    let rest: BatchPart | undefined = part;
    while (rest !== undefined) {
      if (this.#full()) await this.#sealFull();
      else rest = this.#take(rest);
    }
    if (this.#full()) {
      await this.#sealFull();
    } else if (this.#messages + this.#rows > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#write().catch(() => undefined);
      }, FLUSH_AFTER_MS);
    }
  }

  /**
   * Writes and commits everything added so far; rejects with the store's error if a write or
   * the commit failed.
   */
  async flush(): Promise<void> {
    await this.#write();
    await this.#sync.commit();
  }

  /** Writes everything added so far (the store commits it in its time). */
  async #write(): Promise<void> {
    if (this.#messages + this.#rows > 0) this.#seal().catch(() => undefined);
    await this.#tail;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Whether the batch being gathered is full. */
  #full(): boolean {
    return (this.#messages > 0 && this.#total >= this.#end) || this.#rows >= BATCH_ROWS;
  }

  /**
   * Takes what of `part` fits in the batch being gathered (which is not full), and gives back
   * the rest: the messages past the batch's end, with everything else of the part.
   */
  #take(part: BatchPart): BatchPart | undefined {
    const pending = this.#pending;
    const fresh = part.fresh === true;
    const messages = part.messages ?? [];
    const room = this.#end - this.#total;
    const head = messages.length > room ? headOf(part, room) : undefined;
    if (head !== undefined) {
      addRecords(pending.messages, head.messages, fresh);
      this.#messages += room;
      this.#total += room;
      pending.checkpoints.push(...head.checkpoints);
      this.#rows += head.checkpoints.length;
      return { ...part, messages: messages.slice(room) };
    }
    addRecords(pending.messages, messages, fresh);
    this.#messages += messages.length;
    this.#total += messages.length;
    addRecords(pending.conversations, part.conversations, fresh);
    this.#rows += part.conversations?.length ?? 0;
    for (const field of LISTS) {
      const rows = part[field];
      if (rows === undefined || rows.length === 0) continue;
      (pending[field] as unknown[]).push(...rows);
      this.#rows += rows.length;
    }
    return undefined;
  }

  /**
   * Seals the full batch being gathered and waits until it starts being written. At most one
   * batch waits behind the one being written: a part that fills another first waits for that one
   * to start.
   */
  async #sealFull(): Promise<void> {
    while (this.#waiting !== undefined) await this.#waiting;
    if (this.#failure !== undefined) throw this.#failure;
    // Another part sealed it meanwhile.
    if (!this.#full()) return;
    const before = this.#tail;
    this.#seal().catch(() => undefined);
    const waiting = before.then(() => {
      if (this.#waiting === waiting) this.#waiting = undefined;
    });
    this.#waiting = waiting;
    await waiting;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Closes the batch being gathered: it is written once the batches before it are. */
  #seal(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = batchOf(this.#pending);
    this.#pending = emptyBatch();
    this.#messages = 0;
    this.#rows = 0;
    this.#end = (Math.floor(this.#total / this.#batchMessages) + 1) * this.#batchMessages;
    const written = this.#tail.then(async () => {
      if (this.#failure !== undefined) throw this.#failure;
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

/**
 * What one conversation's reading adds to a batch. The checkpoints of a part with messages (a
 * page) list them at the end of their overlap (the page's messages, from its cursor): a batch
 * may end within the part, its first messages landing with checkpoints whose overlap ends with
 * them (the next reading finds them where they were, on that page), never shorter than what the
 * store held of the page (`held`), the rest and everything else of the part in the next batch. A
 * part without checkpoints, or whose checkpoints list other messages, is never split.
 */
export type BatchPart = Partial<Omit<StoreBatch, 'newConversations' | 'newMessages'>> & {
  /** Its conversations and messages come from a conversation the store never held. */
  fresh?: boolean;
  /**
   * How many of the page's first messages the store held before this reading (the overlap a
   * reading resumed from): a checkpoint listing fewer would let the next reading line up with a
   * page from which a stored message has gone.
   */
  held?: number;
};

/**
 * The first `count` messages of a part, with checkpoints covering what lands up to them;
 * `undefined` when the part's checkpoints do not end with its messages (it is not split).
 */
function headOf(
  part: BatchPart,
  count: number,
): { messages: Message[]; checkpoints: CheckpointRow[] } | undefined {
  const messages = part.messages ?? [];
  const checkpoints = part.checkpoints ?? [];
  const endsWithThem = (overlap: readonly string[]) => {
    const before = overlap.length - messages.length;
    return (
      before >= 0 && messages.every((message, index) => overlap[before + index] === message.id)
    );
  };
  if (checkpoints.length === 0 || !checkpoints.every((row) => endsWithThem(row.checkpoint.overlap)))
    return undefined;
  const left = messages.length - count;
  const held = part.held ?? 0;
  return {
    messages: messages.slice(0, count),
    checkpoints: checkpoints.map((row) => ({
      ...row,
      checkpoint: {
        ...row.checkpoint,
        signature: null,
        overlap: row.checkpoint.overlap.slice(
          0,
          Math.max(held, row.checkpoint.overlap.length - left),
        ),
      },
    })),
  };
}

/** Records added, and whether each comes from a conversation the store never held. */
interface Added<T> {
  records: T[];
  fresh: boolean[];
}

function addRecords<T>(added: Added<T>, records: readonly T[] | undefined, fresh: boolean): void {
  for (const record of records ?? []) {
    added.records.push(record);
    added.fresh.push(fresh);
  }
}

/** A batch as it is gathered. */
type Pending = Omit<
  StoreBatch,
  'conversations' | 'messages' | 'newConversations' | 'newMessages'
> & {
  conversations: Added<Conversation>;
  messages: Added<Message>;
};

const LISTS = ['checkpoints', 'messageDeletes', 'conversationDeletes', 'sources'] as const;

function emptyBatch(): Pending {
  return {
    conversations: { records: [], fresh: [] },
    messages: { records: [], fresh: [] },
    checkpoints: [],
    messageDeletes: [],
    conversationDeletes: [],
    sources: [],
  };
}

/**
 * The batch to write: one row per key, the last added (a conversation read again within a batch
 * holds some messages twice, and one statement may not write a row twice), the new ones first.
 */
function batchOf(pending: Pending): StoreBatch {
  const conversations = newFirst(pending.conversations);
  const messages = newFirst(pending.messages);
  return {
    ...pending,
    conversations: conversations.records,
    newConversations: conversations.fresh,
    messages: messages.records,
    newMessages: messages.fresh,
    checkpoints: lastOf(pending.checkpoints, (row: CheckpointRow) =>
      rowKey(row, row.conversationId),
    ),
  };
}

/**
 * The last record added per key, those only ever added as fresh first, and how many those are.
 * A key added twice, once not fresh, is not fresh: the store may hold it.
 */
function newFirst<T extends SourceKey & { id: string }>(
  added: Added<T>,
): { records: T[]; fresh: number } {
  if (repeatsAKey(added.records)) return newFirstOfRepeated(added);
  const fresh: T[] = [];
  const compared: T[] = [];
  added.records.forEach((record, index) => {
    (added.fresh[index] ? fresh : compared).push(record);
  });
  return {
    records:
      compared.length === 0 ? fresh : fresh.length === 0 ? compared : [...fresh, ...compared],
    fresh: fresh.length,
  };
}

/** Whether two records share a key (rare: a conversation read again within one batch). */
function repeatsAKey(records: readonly (SourceKey & { id: string })[]): boolean {
  // The ids of each source and account; records come in runs of one, so the set of the record
  // before serves most of them.
  const bySource = new Map<string, Set<string>>();
  let last: { source: string; account: string; ids: Set<string> } | undefined;
  for (const record of records) {
    if (last?.source !== record.source || last.account !== record.account) {
      const key = sourceKeyOf(record);
      let ids = bySource.get(key);
      if (ids === undefined) {
        ids = new Set();
        bySource.set(key, ids);
      }
      last = { source: record.source, account: record.account, ids };
    }
    if (last.ids.has(record.id)) return true;
    last.ids.add(record.id);
  }
  return false;
}

/** {@link newFirst} of records among which a key repeats: the last of each, where it was added. */
function newFirstOfRepeated<T extends SourceKey & { id: string }>(
  added: Added<T>,
): { records: T[]; fresh: number } {
  const byKey = new Map<string, { record: T; fresh: boolean }>();
  added.records.forEach((record, index) => {
    const key = rowKey(record, record.id);
    const before = byKey.get(key);
    if (before !== undefined) byKey.delete(key);
    byKey.set(key, {
      record,
      fresh: (added.fresh[index] ?? false) && (before === undefined || before.fresh),
    });
  });
  const fresh: T[] = [];
  const compared: T[] = [];
  for (const { record, fresh: isFresh } of byKey.values())
    (isFresh ? fresh : compared).push(record);
  return { records: [...fresh, ...compared], fresh: fresh.length };
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
