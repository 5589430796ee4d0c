import type { ChatHistorySource } from '../chat-history-source.js';
import type { Conversation } from '../model/canonical-schemas.js';
import type {
  InvalidRecord,
  ListingWarning,
  PageCursor,
  RequestLimiter,
  RequestSent,
} from '../paginate/types.js';
import type { ConversationCheckpoint, SourceKey, StoreSync } from '../store/store.js';
import type { BatchWriter } from './batch-writer.js';
import { signatureOf } from './signature.js';

/**
 * One conversation to bring up to date, as plain data (a job queue can carry it): the
 * conversation as listed, and where the store's copy of its messages ends.
 */
export interface ConversationTask extends SourceKey {
  conversation: Conversation;
  /** The stored checkpoint; `null` when none of its messages were ever stored. */
  checkpoint: ConversationCheckpoint | null;
  /** Whether the store has it marked deleted (it came back: it is read whole). */
  deleted: boolean;
  /** Read it whole whatever the checkpoint says. */
  full: boolean;
}

/** What reading a conversation shares with the rest of its sync. */
export interface ReadContext {
  sync: StoreSync;
  writer: BatchWriter;
  limiter: RequestLimiter;
  signal: AbortSignal;
  onRequest: (request: RequestSent) => void;
  concurrency: number;
  pageSize: number | undefined;
  includeEvents: boolean;
  onWarning: (warning: ListingWarning) => void;
  onInvalidRecord: ((record: InvalidRecord) => void) | undefined;
  onMessages: (count: number) => void;
}

/** Where a reading starts: a cursor and the stored ids its first page must begin with. */
interface Start {
  cursor: PageCursor | null;
  overlap: string[];
  /** Set when the reading covers the whole conversation (see `ConversationCheckpoint`). */
  fullSince: string | null;
}

/**
 * Reads a conversation's new messages and commits them with checkpoints, page by page; at the
 * end, the conversation itself with its signature, and (after a reading of the whole
 * conversation) marks deleted the messages it no longer has. A tail whose overlap does not line
 * up with the store (a message deleted or moved before it) is abandoned for a whole reading.
 */
export async function readConversation(
  source: ChatHistorySource,
  task: ConversationTask,
  context: ReadContext,
): Promise<void> {
  const start = startOf(task, context.sync.syncedAt);
  let outcome = await readFrom(source, task, start, context);
  if (outcome === 'misaligned') {
    outcome = await readFrom(
      source,
      task,
      { cursor: null, overlap: [], fullSince: context.sync.syncedAt },
      context,
    );
  }
  if (outcome === 'misaligned') {
    // Only a reading from a stored cursor can be misaligned.
    throw new Error('a reading from the start cannot be misaligned');
  }
}

function startOf(task: ConversationTask, syncedAt: string): Start {
  const checkpoint = task.checkpoint;
  if (checkpoint === null || task.full || task.deleted) {
    return { cursor: null, overlap: [], fullSince: syncedAt };
  }
  // Stored up to its first page: read from the start, the whole conversation is seen again, and
  // what this reading does not see is gone (an earlier reading's time would spare what it saw
  // and the vendor deleted since).
  if (checkpoint.cursor === null) return { cursor: null, overlap: [], fullSince: syncedAt };
  return {
    cursor: checkpoint.cursor,
    overlap: checkpoint.overlap,
    fullSince: checkpoint.fullSince,
  };
}

async function readFrom(
  source: ChatHistorySource,
  task: ConversationTask,
  start: Start,
  context: ReadContext,
): Promise<'done' | 'misaligned'> {
  const { writer } = context;
  const conversationId = task.conversation.id;
  let complete = true;
  let truncated = false;
  const listing = source.listMessages(conversationId, {
    concurrency: context.concurrency,
    limiter: context.limiter,
    signal: context.signal,
    onRequest: context.onRequest,
    includeEvents: context.includeEvents,
    ...(context.pageSize === undefined ? {} : { pageSize: context.pageSize }),
    ...(start.cursor === null ? {} : { startAt: start.cursor }),
    onWarning: (warning) => {
      // A capped conversation will not read better next time; a drifting one may.
      if (warning.code === 'truncated') truncated = true;
      else complete = false;
      context.onWarning(warning);
    },
    ...(context.onInvalidRecord
      ? {
          onInvalidRecord: (record: InvalidRecord) => {
            complete = false;
            context.onInvalidRecord?.(record);
          },
        }
      : {}),
  });
  const row = (checkpoint: ConversationCheckpoint) => ({
    source: task.source,
    account: task.account,
    conversationId,
    checkpoint,
  });
  // Nothing of a conversation without checkpoint is stored: its rows go in without comparing.
  const fresh = task.checkpoint === null && !task.deleted;
  let pageStart = start.cursor;
  let last = { cursor: start.cursor, overlap: start.overlap };
  let first = true;
  for await (const page of listing.pages()) {
    const ids = page.items.map((message) => message.id);
    if (first && start.overlap.length > 0 && !startsWith(ids, start.overlap)) return 'misaligned';
    // What the store holds of this page: the overlap a resumed reading starts with.
    const held = first ? start.overlap.length : 0;
    first = false;
    if (ids.length > 0) {
      last = { cursor: pageStart, overlap: ids };
      context.onMessages(ids.length);
      await writer.add({
        fresh,
        held,
        messages: page.items,
        checkpoints: [row({ signature: null, ...last, fullSince: start.fullSince })],
      });
    }
    pageStart = page.next;
  }
  if (first && start.overlap.length > 0) return 'misaligned';
  // A conversation never stored before has nothing stored to mark deleted.
  const since = complete && !truncated && !fresh ? start.fullSince : null;
  // A whole reading that warned proves nothing about what is gone: the next sync starts a new
  // one (going on from here would let it mark deleted what this one missed).
  const checkpoint: ConversationCheckpoint =
    complete || start.fullSince === null
      ? { signature: complete ? signatureOf(task.conversation) : null, ...last, fullSince: null }
      : { signature: null, cursor: null, overlap: [], fullSince: null };
  await writer.add({
    fresh,
    conversations: [task.conversation],
    checkpoints: [row(checkpoint)],
    ...(since === null
      ? {}
      : {
          messageDeletes: [{ source: task.source, account: task.account, conversationId, since }],
        }),
  });
  return 'done';
}

function startsWith(ids: readonly string[], prefix: readonly string[]): boolean {
  if (ids.length < prefix.length) return false;
  return prefix.every((id, index) => ids[index] === id);
}
