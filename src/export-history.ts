import pLimit from 'p-limit';
import type { ChatHistorySource, ListConversationsOptions } from './chat-history-source.js';
import { abortedError } from './errors/aborted.js';
import { ChatHistoryError } from './errors/chat-history-error.js';
import { invalidArgument, optionsObject } from './errors/invalid-argument.js';
import { unsupported } from './errors/unsupported.js';
import type { Conversation, Message } from './model/canonical-schemas.js';
import { MAX_CONCURRENCY } from './paginate/paginate.js';
import { SignalFanout } from './paginate/signal-fanout.js';
import type { RequestLimiter } from './paginate/types.js';
import { readSources } from './read-sources.js';

/** Options of {@link exportHistory}. */
export interface ExportHistoryOptions
  extends Omit<ListConversationsOptions, 'limiter' | 'startAt'> {
  /**
   * Requests in flight at once, shared by every source's conversation listing and every
   * conversation's message pages. Conversations are fetched side by side; results still come in
   * listing order.
   * @default 4
   */
  concurrency?: number;
  /** Stop after this many conversations from each source. */
  maxItems?: number;
  /**
   * Only conversations in this vendor state, from the sources that can filter by state
   * (`capabilities.filterConversationsByState`); the others are exported whole. `unsupported`
   * when no source can.
   */
  state?: string;
  /**
   * Only conversations updated at or after this time (ISO 8601), from the sources that can filter
   * by it (`capabilities.filterConversationsByUpdatedSince`: Intercom); the others are exported
   * whole. `unsupported` when no source can.
   */
  updatedSince?: string;
  /**
   * Keep each record's vendor original in `raw`. Set `false` to save memory and output size when
   * the canonical fields are enough.
   * @default true
   */
  includeRaw?: boolean;
  /**
   * Also export the events vendors record in conversations (Intercom: assignments, state
   * changes), as `listMessages({ includeEvents: true })` yields them.
   * @default false
   */
  includeEvents?: boolean;
  /**
   * Told as each page of a conversation's messages arrives, before the conversation is complete
   * and yielded: for progress that moves on conversations of any size.
   */
  onMessagesFetched?: (event: MessagesFetched) => void;
}

/** A page of messages {@link exportHistory} received. */
export interface MessagesFetched {
  /** Provider key of the source. */
  source: string;
  conversationId: string;
  /** Messages the page held. */
  messages: number;
}

/** One conversation with all of its messages, oldest first. */
export interface ConversationExport {
  conversation: Conversation;
  messages: Message[];
  /** The source it came from (of those given to `exportHistory`). */
  source: ChatHistorySource;
}

const DEFAULT_CONCURRENCY = 4;

/**
 * Every conversation of one source, or of several one after another, with its messages: grouped
 * by source in the order given, each in the order its source lists conversations. Up to
 * `concurrency` requests are in flight at once across every listing and every conversation's
 * message pages (the next source's conversations start while the last of the previous one are
 * still fetched), and at most `2 x concurrency` conversations are held in memory, so an export of
 * any size runs in bounded memory. Aborting `signal` or leaving the loop cancels every request.
 *
 * @example
 * for await (const { conversation, messages } of exportHistory([okchat, v1], { concurrency: 8 })) {
 *   await save(conversation, messages);
 * }
 */
export function exportHistory(
  sources: ChatHistorySource | readonly ChatHistorySource[],
  exportOptions?: ExportHistoryOptions,
): AsyncIterable<ConversationExport> {
  const list = readSources(sources, 'exportHistory');
  const firstId = list[0]?.id;
  const options = optionsObject(exportOptions, 'exportHistory options', firstId);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalidArgument(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(options.concurrency)}`,
      firstId,
    );
  }
  const { includeRaw = true, includeEvents = false, state, updatedSince, ...listing } = options;
  if (typeof includeEvents !== 'boolean') {
    throw invalidArgument('includeEvents must be true or false', firstId);
  }
  // A filter goes to the sources that can apply it, the others are exported whole; one source
  // alone is asked as given, so that it says `unsupported` itself.
  const plans = list.map((source) => {
    const byState = state !== undefined && (list.length === 1 || canFilter(source, 'state'));
    const byUpdate =
      updatedSince !== undefined && (list.length === 1 || canFilter(source, 'updatedSince'));
    return {
      source,
      listing: {
        ...listing,
        ...(byState ? { state } : {}),
        ...(byUpdate ? { updatedSince } : {}),
      },
    };
  });
  for (const [filter, value] of [
    ['state', state],
    ['updatedSince', updatedSince],
  ] as const) {
    if (value !== undefined && !plans.some((plan) => filter in plan.listing)) {
      throw unsupported(firstId ?? 'exportHistory', `filtering conversations by ${filter}`);
    }
  }
  // Checks each listing's options now, at the call, as every list call does.
  for (const plan of plans) plan.source.listConversations({ ...plan.listing, concurrency });
  return {
    [Symbol.asyncIterator]: () => run(plans, listing, concurrency, { includeRaw, includeEvents }),
  };
}

function canFilter(source: ChatHistorySource, filter: 'state' | 'updatedSince'): boolean {
  const capabilities = source.capabilities;
  return filter === 'state'
    ? capabilities?.filterConversationsByState === true
    : capabilities?.filterConversationsByUpdatedSince === true;
}

interface Plan {
  source: ChatHistorySource;
  listing: Omit<ExportHistoryOptions, 'includeRaw' | 'includeEvents'>;
}

interface Entry {
  conversation: Conversation;
  source: ChatHistorySource;
  messages: Promise<Message[]>;
}

async function* run(
  plans: readonly Plan[],
  shared: Omit<ExportHistoryOptions, 'includeRaw' | 'includeEvents' | 'state' | 'updatedSince'>,
  concurrency: number,
  { includeRaw, includeEvents }: { includeRaw: boolean; includeEvents: boolean },
): AsyncGenerator<ConversationExport, void, undefined> {
  const { signal: callerSignal, pageSize, onInvalidRecord, onWarning, onMessagesFetched } = shared;
  const sourceId = plans[0]?.source.id;
  const limit = pLimit(concurrency);
  const limiter: RequestLimiter = { run: (request) => limit(request) };
  const controller = new AbortController();
  const { signal } = controller;
  // Each message listing in flight (up to a window of conversations) gets its own signal.
  const fanout = new SignalFanout(signal);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  // Conversations whose messages are being fetched, in listing order; the listings wait while
  // `window` of them are held.
  const window = concurrency * 2;
  const entries: Entry[] = [];
  const changed = new Wakeup();
  let listed = false;
  let listingError: unknown;

  const fetchMessages = async (
    source: ChatHistorySource,
    conversation: Conversation,
  ): Promise<Message[]> => {
    const child = fanout.child();
    try {
      const listing = source.listMessages(conversation.id, {
        pageSize,
        concurrency,
        limiter,
        signal: child.signal,
        onInvalidRecord,
        onWarning,
        includeEvents,
      });
      const messages: Message[] = [];
      for await (const page of listing.pages()) {
        for (const message of page.items) {
          if (!includeRaw) message.raw = undefined;
          messages.push(message);
        }
        onMessagesFetched?.({
          source: source.id,
          conversationId: conversation.id,
          messages: page.items.length,
        });
      }
      return messages;
    } finally {
      child.release();
    }
  };

  const produce = async () => {
    try {
      for (const { source, listing } of plans) {
        const conversations = source.listConversations({
          ...listing,
          concurrency,
          limiter,
          signal,
        });
        for await (const conversation of conversations) {
          while (entries.length >= window && !signal.aborted) await changed.wait();
          if (signal.aborted) return;
          if (!includeRaw) conversation.raw = undefined;
          const messages = fetchMessages(source, conversation);
          // Failures surface in order, when the consumer reaches this conversation.
          messages.catch(() => undefined);
          entries.push({ conversation, source, messages });
          changed.notify();
        }
      }
    } catch (error) {
      listingError = error;
    } finally {
      listed = true;
      changed.notify();
    }
  };

  const producer = produce();
  try {
    for (;;) {
      const entry = entries.shift();
      if (entry === undefined) {
        if (listed) {
          if (listingError !== undefined) throw listingError;
          break;
        }
        await changed.wait();
        continue;
      }
      changed.notify();
      const messages = await entry.messages;
      if (signal.aborted) break;
      yield { conversation: entry.conversation, messages, source: entry.source };
    }
    if (callerSignal?.aborted) throw abortedError(callerSignal, sourceId);
  } catch (error) {
    if (callerSignal?.aborted && !(ChatHistoryError.is(error) && error.code === 'aborted')) {
      throw abortedError(callerSignal, sourceId);
    }
    throw error;
  } finally {
    callerSignal?.removeEventListener('abort', onCallerAbort);
    controller.abort();
    limit.clearQueue();
    changed.notify();
    await producer;
  }
}

/** Wakes whoever waits whenever the shared state changes. */
class Wakeup {
  #waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
