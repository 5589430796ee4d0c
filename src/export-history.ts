import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { ChatHistoryError, invalidArgument, optionsObject } from './errors.js';
import type { Conversation, Message } from './model.js';
import { MAX_CONCURRENCY } from './paginate/paginate.js';
import type { RequestLimiter } from './paginate/types.js';
import { abortedError } from './retry.js';
import type { ChatHistorySource, ListConversationsOptions } from './source.js';

/** Options of {@link exportHistory}. */
export interface ExportHistoryOptions
  extends Omit<ListConversationsOptions, 'limiter' | 'startAt'> {
  /**
   * Requests in flight at once, shared by the conversation listing and every conversation's
   * message pages. Conversations are fetched side by side; results still come in listing order.
   * @default 4
   */
  concurrency?: number;
  /** Stop after this many conversations. */
  maxItems?: number;
  /**
   * Keep each record's vendor original in `raw`. Set `false` to save memory and output size when
   * the canonical fields are enough.
   * @default true
   */
  includeRaw?: boolean;
}

/** One conversation with all of its messages, oldest first. */
export interface ConversationExport {
  conversation: Conversation;
  messages: Message[];
}

const DEFAULT_CONCURRENCY = 4;

/**
 * Every conversation of a source with its messages, in the order the source lists conversations.
 * Up to `concurrency` requests are in flight at once across the listing and the conversations'
 * message pages, and at most `2 x concurrency` conversations are held in memory, so an export of
 * any size runs in bounded memory. Aborting `signal` or leaving the loop cancels every request.
 *
 * @example
 * for await (const { conversation, messages } of exportHistory(okchat, { concurrency: 8 })) {
 *   await save(conversation, messages);
 * }
 */
export function exportHistory(
  source: ChatHistorySource,
  exportOptions?: ExportHistoryOptions,
): AsyncIterable<ConversationExport> {
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof source.listConversations !== 'function' ||
    typeof source.listMessages !== 'function'
  ) {
    throw invalidArgument('exportHistory needs a ChatHistorySource (createOkChatSource(), ...)');
  }
  const options = optionsObject(exportOptions, 'exportHistory options', source.id);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalidArgument(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(options.concurrency)}`,
      source.id,
    );
  }
  // Checks the listing options now, at the call, as every list call does.
  const { includeRaw = true, ...listing } = options;
  source.listConversations({ ...listing, concurrency });
  return { [Symbol.asyncIterator]: () => run(source, listing, concurrency, includeRaw) };
}

async function* run(
  source: ChatHistorySource,
  listing: Omit<ExportHistoryOptions, 'includeRaw'>,
  concurrency: number,
  includeRaw: boolean,
): AsyncGenerator<ConversationExport, void, undefined> {
  const { signal: callerSignal, pageSize, onInvalidRecord } = listing;
  const limit = pLimit(concurrency);
  const limiter: RequestLimiter = { run: (request) => limit(request) };
  const controller = new AbortController();
  const { signal } = controller;
  // Every listing in flight (up to a window of conversations) listens to this one signal.
  setMaxListeners(concurrency * 4 + 16, signal);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  // Conversations whose messages are being fetched, in listing order; the listing waits while
  // `window` of them are held.
  const window = concurrency * 2;
  const entries: { conversation: Conversation; messages: Promise<Message[]> }[] = [];
  const changed = new Wakeup();
  let listed = false;
  let listingError: unknown;

  const fetchMessages = async (conversation: Conversation): Promise<Message[]> => {
    const messages = await source
      .listMessages(conversation.id, { pageSize, concurrency, limiter, signal, onInvalidRecord })
      .toArray();
    if (!includeRaw) for (const message of messages) message.raw = undefined;
    return messages;
  };

  const produce = async () => {
    try {
      const conversations = source.listConversations({ ...listing, concurrency, limiter, signal });
      for await (const conversation of conversations) {
        while (entries.length >= window && !signal.aborted) await changed.wait();
        if (signal.aborted) return;
        if (!includeRaw) conversation.raw = undefined;
        const messages = fetchMessages(conversation);
        // Failures surface in order, when the consumer reaches this conversation.
        messages.catch(() => undefined);
        entries.push({ conversation, messages });
        changed.notify();
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
      yield { conversation: entry.conversation, messages };
    }
    if (callerSignal?.aborted) throw abortedError(callerSignal, source.id);
  } catch (error) {
    if (callerSignal?.aborted && !(ChatHistoryError.is(error) && error.code === 'aborted')) {
      throw abortedError(callerSignal, source.id);
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
