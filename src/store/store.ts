import type { Conversation, Message } from '../model/canonical-schemas.js';
import type { PageCursor } from '../paginate/types.js';

/**
 * A database kept in sync with the vendors by `syncHistory`: a DuckDB file or a PostgreSQL
 * database, from `openStore()` (`chat-history-kit/store`). Its tables are documented in
 * `docs/store.md`; its methods are what `syncHistory` writes through.
 *
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/store.md
 */
export interface Store {
  /** `'duckdb'` or `'postgres'`. */
  readonly kind: StoreKind;
  /** Where the store is: the file's path, or the server and database without credentials. */
  readonly location: string;
  /**
   * Starts a sync: takes the store's sync lock (code `store_locked` when another sync holds it)
   * and gives this sync's time, later than every earlier sync's.
   */
  beginSync(): Promise<StoreSync>;
  /** What the store holds, per source and account: rows not marked deleted, and those marked. */
  contents(): Promise<StoreContents[]>;
  /** Releases the connection, the file and its lock. Safe to call twice. */
  close(): Promise<void>;
}

/** One source's rows in a store, as `Store.contents()` counts them. */
export interface StoreContents extends SourceKey {
  conversations: number;
  messages: number;
  deletedConversations: number;
  deletedMessages: number;
}

/** The kinds of store `openStore` opens. */
export type StoreKind = 'duckdb' | 'postgres';

/** Identifies one source's records in a store: its provider key and vendor account. */
export interface SourceKey {
  source: string;
  account: string;
}

/** One sync's hold on a store, from {@link Store.beginSync}. */
export interface StoreSync {
  /**
   * This sync's time (canonical timestamp): written as `synced_at` on every row it sees, and
   * always later than every earlier sync's, whatever the clock did.
   */
  readonly syncedAt: string;
  /** What the last syncs of a source left: `null` when it was never synced. */
  readSource(key: SourceKey): Promise<SourceState | null>;
  /** The stored state of these conversations (those the store has), by id. */
  readConversations(
    key: SourceKey,
    ids: readonly string[],
  ): Promise<Map<string, StoredConversation>>;
  /**
   * Messages a batch holds at most, for the store to write them best: batches cut at multiples
   * of it (counting every message written since the sync began) fill the store's units of
   * storage exactly (DuckDB: six fill a row group).
   */
  readonly batchMessages: number;
  /**
   * Writes a batch: all of it, or (on failure) none of it. A store may keep the batches it wrote
   * in one open transaction until {@link StoreSync.commit} or a point of its own choosing (DuckDB:
   * a row group of messages, or some seconds); a failure then rolls back every batch not yet
   * committed, and the sync fails with it. Each batch carries the checkpoints of its data, so
   * what is committed is always consistent.
   */
  write(batch: StoreBatch): Promise<StoreBatchResult>;
  /** Commits every batch written so far: reads see them from then on. */
  commit(): Promise<void>;
  /** Commits what is written, then releases the sync lock. */
  end(): Promise<void>;
}

/** A source's sync state. */
export interface SourceState {
  /**
   * Where the next listing filtered by update time starts (canonical timestamp), for sources
   * that can filter (`updatedSince`); `null` until a listing of it has completed.
   */
  updatedSince: string | null;
}

/** A stored conversation as a sync compares it with the vendor's. */
export interface StoredConversation {
  /** Whether the row is marked deleted. */
  deleted: boolean;
  /** Where the reading of its messages stands; `null` when none was ever stored. */
  checkpoint: ConversationCheckpoint | null;
}

/**
 * Where the store's copy of a conversation's messages ends: plain JSON, so that a job queue can
 * carry it with its conversation.
 */
export interface ConversationCheckpoint {
  /**
   * What the conversation looked like (its listed fields) when its messages were last read to
   * the end; `null` while a reading is under way. A listing that shows another signature means
   * the conversation changed.
   */
  signature: string | null;
  /** Where the last stored page of messages starts; `null` for the first page. */
  cursor: PageCursor | null;
  /** Ids of the messages stored from that page, in order: read again, they must line up. */
  overlap: string[];
  /**
   * When a reading of the whole conversation started (canonical timestamp), while one is under
   * way: at its end, the conversation's messages not seen since are marked deleted.
   */
  fullSince: string | null;
}

/** A checkpoint with the conversation it belongs to. */
export interface CheckpointRow extends SourceKey {
  conversationId: string;
  checkpoint: ConversationCheckpoint;
}

/** Everything one transaction writes. */
export interface StoreBatch {
  /** Inserted, or updated when they differ; every one gets this sync's `synced_at`. */
  conversations: Conversation[];
  messages: Message[];
  /**
   * How many of the first `conversations` and `messages` the store has never held, as far as
   * the sync knows (they come from conversations it never stored): a store may insert those
   * without comparing, provided it writes the batch again comparing every row when one turns
   * out to be there. A store that always compares may ignore these counts.
   */
  newConversations: number;
  newMessages: number;
  checkpoints: CheckpointRow[];
  /** Marks deleted the conversation's messages not seen since `since`. */
  messageDeletes: (SourceKey & { conversationId: string; since: string })[];
  /** Marks deleted the source's conversations (and their messages) not seen since `since`. */
  conversationDeletes: (SourceKey & { since: string })[];
  sources: (SourceKey & { state: SourceState })[];
}

/** Rows a batch changed, per source (keyed by {@link sourceKeyOf}). */
export type StoreBatchResult = Map<string, ChangeCounts>;

/** Rows inserted or changed, and rows newly marked deleted. */
export interface ChangeCounts {
  conversations: { upserted: number; deleted: number };
  messages: { upserted: number; deleted: number };
}

/** The one text that stands for a source and account in maps. */
export function sourceKeyOf(key: SourceKey): string {
  return `${key.source}\n${key.account}`;
}

/** Counts with nothing in them. */
export function noChanges(): ChangeCounts {
  return { conversations: { upserted: 0, deleted: 0 }, messages: { upserted: 0, deleted: 0 } };
}

/** Adds `more` into `total`. */
export function addChanges(total: ChangeCounts, more: ChangeCounts): void {
  total.conversations.upserted += more.conversations.upserted;
  total.conversations.deleted += more.conversations.deleted;
  total.messages.upserted += more.messages.upserted;
  total.messages.deleted += more.messages.deleted;
}
