import {
  createEmulator,
  type EmulatedRequest,
  type Emulator,
  type EmulatorCore,
  type EmulatorOptions,
} from './emulator.js';
import {
  type LiveChange,
  type LiveChangeRecord,
  LiveData,
  type LiveDataOptions,
  type LiveListingKind,
  type LiveRecords,
  MessageListings,
} from './live-data.js';

/** A record as a vendor's API sends it. */
export type WireRecord = Record<string, unknown>;

/** What an emulator generates for one conversation before any of its messages exist. */
export interface ConversationPlan {
  /** Position in the generated data: the seed of its messages. */
  index: number;
  id: string;
  /** The conversation as the listing sends it. */
  record: WireRecord;
  messageCount: number;
}

/** How a vendor's emulator generates its history, and what live data adds to it. */
export interface HistoryGenerator<Plan extends ConversationPlan> {
  /** The conversations in the order the listing sends them. */
  readonly plans: readonly Plan[];
  /** The message at `position` of a conversation, oldest first: the same on every call. */
  messageAt(plan: Plan, position: number): WireRecord;
  /** A conversation that never existed (no messages), for the front or the end of the listing. */
  freshConversation(where: 'front' | 'end', sequence: number): Plan;
  /** A conversation's record after an update that moves it to the front. */
  touchedConversation(record: WireRecord, sequence: number): WireRecord;
  /** A message that never existed, for the front or the end of a conversation. */
  freshMessage(plan: Plan, where: 'front' | 'end', sequence: number): WireRecord;
  /**
   * Whether a change to a conversation's messages (one added, deleted or moved) updates it
   * (`touchedConversation`) and moves it to the front of the listing, as a vendor listing by
   * update time does.
   * @default false
   */
  readonly messageChangesUpdateConversation?: boolean;
  /** The body of one page: the vendor's envelope around `window.records`. */
  envelope(window: ServedWindow, listing: LiveListingKind): unknown;
}

/** One page of a listing, about to be sent. */
export interface ServedWindow {
  records: WireRecord[];
  /** Position of the first record, and one past the last. */
  start: number;
  end: number;
  /** Records the page was asked for (after clamping). */
  limit: number;
  /** Records in the listing when the page was taken. */
  total: number;
  /** A message page's conversation, as the listing holds it now. */
  conversation?: WireRecord;
}

/**
 * The conversations and messages an emulator serves: generated on demand from their plans,
 * served a window at a time in the vendor's envelope, and changed after each page when the
 * `live` option asks for it.
 */
export class EmulatedHistory<Plan extends ConversationPlan> {
  /** What the `live` option changed, when it is set. */
  readonly live: LiveData | undefined;
  readonly #generator: HistoryGenerator<Plan>;
  readonly #listed: WireRecord[];
  readonly #byId = new Map<string, Plan>();
  readonly #messages: MessageListings<Plan, WireRecord>;
  readonly #liveConversations: LiveRecords<WireRecord>;
  #touches = 0;

  constructor(
    generator: HistoryGenerator<Plan>,
    options: { seed: number; live?: LiveDataOptions | undefined },
  ) {
    this.#generator = generator;
    for (const plan of generator.plans) this.#byId.set(plan.id, plan);
    this.#listed = generator.plans.map((plan) => plan.record);
    this.live = options.live ? new LiveData(options.live, options.seed) : undefined;
    this.#messages = new MessageListings(this.live !== undefined, (plan, position) =>
      generator.messageAt(plan, position),
    );
    this.#liveConversations = {
      idOf: (record) => String(record.id),
      fresh: (where, sequence) => {
        const plan = generator.freshConversation(where, sequence);
        this.#byId.set(plan.id, plan);
        return plan.record;
      },
      touched: (record, sequence) => generator.touchedConversation(record, sequence),
    };
  }

  /** Every conversation as the listing holds them now. */
  conversations(): readonly WireRecord[] {
    return this.#listed;
  }

  /** The conversation with this id, including ones live data added. */
  find(id: string): Plan | undefined {
    return this.#byId.get(id);
  }

  /** Every message of one conversation as the listing holds them now, oldest first. */
  messages(conversationId: string): WireRecord[] {
    const plan = this.#byId.get(conversationId);
    return plan === undefined ? [] : [...this.#messages.of(plan)];
  }

  /** How many messages a conversation has now. */
  messageCount(plan: Plan): number {
    return this.live === undefined ? plan.messageCount : this.#messages.of(plan).length;
  }

  /** Messages across the conversations listed now. */
  totalMessages(): number {
    return this.#messages.total(this.#listed.map((record) => this.#byId.get(String(record.id))));
  }

  /**
   * Answers with `limit` conversations from `start` (of those `keep` accepts) in the vendor's
   * envelope, then lets live data change the listing.
   */
  serveConversations(
    start: number,
    limit: number,
    keep?: (record: WireRecord) => boolean,
  ): Response {
    const records = keep ? this.#listed.filter(keep) : this.#listed;
    const { response, end } = this.#respond('conversations', start, limit, records);
    this.live?.afterPage(
      { listing: 'conversations', start, end },
      this.#listed,
      this.#liveConversations,
    );
    return response;
  }

  /** Answers with `limit` messages of a conversation from `start` in the vendor's envelope. */
  serveMessages(plan: Plan, start: number, limit: number): Response {
    if (this.live === undefined) {
      // Static data: only the page's messages are generated.
      const at = (position: number) => this.#generator.messageAt(plan, position);
      return this.#respond(
        'messages',
        start,
        limit,
        { length: plan.messageCount, at },
        this.#recordOf(plan),
      ).response;
    }
    const records = this.#messages.of(plan);
    const { response, end } = this.#respond(
      'messages',
      start,
      limit,
      records,
      this.#recordOf(plan),
    );
    this.live.afterPage(
      { listing: 'messages', conversationId: plan.id, start, end },
      records,
      this.#liveMessagesOf(plan),
    );
    return response;
  }

  #respond(
    listing: LiveListingKind,
    start: number,
    limit: number,
    records: { length: number; at(position: number): WireRecord | undefined },
    conversation?: WireRecord,
  ): { response: Response; end: number } {
    const end = Math.min(start + limit, records.length);
    const page: WireRecord[] = [];
    for (let position = start; position < end; position++) page.push(records.at(position) ?? {});
    const window: ServedWindow = { records: page, start, end, limit, total: records.length };
    if (conversation !== undefined) window.conversation = conversation;
    // Response.json serializes now: the page is a snapshot taken before live data changes it.
    return { response: Response.json(this.#generator.envelope(window, listing)), end };
  }

  /** A conversation's record as listed now (live data may have updated it), else its plan's. */
  #recordOf(plan: Plan): WireRecord {
    if (this.live === undefined) return plan.record;
    return this.#listed.find((record) => String(record.id) === plan.id) ?? plan.record;
  }

  #liveMessagesOf(plan: Plan): LiveRecords<WireRecord> {
    return {
      idOf: (record) => String(record.id),
      fresh: (where, sequence) => this.#generator.freshMessage(plan, where, sequence),
      changed: () => {
        if (this.#generator.messageChangesUpdateConversation) this.#touch(plan.id);
      },
    };
  }

  /**
   * Makes one live-data change now: to the conversation listing, or to one conversation's
   * messages. Needs the `live` option (a `schedule` returning `[]` makes no other change).
   */
  change(change: LiveChange, conversationId?: string): LiveChangeRecord | undefined {
    if (this.live === undefined) {
      throw new Error("change() needs the emulator's live option (live: { rate: 0 } for none)");
    }
    if (conversationId === undefined) {
      return this.live.changeNow(change, 'conversations', this.#listed, this.#liveConversations);
    }
    const plan = this.#byId.get(conversationId);
    if (plan === undefined) throw new Error(`no conversation ${conversationId}`);
    return this.live.changeNow(
      change,
      'messages',
      this.#messages.of(plan),
      this.#liveMessagesOf(plan),
      conversationId,
    );
  }

  /** The conversation, updated, at the front of the listing. */
  #touch(id: string): void {
    const index = this.#listed.findIndex((record) => String(record.id) === id);
    const [record] = index < 0 ? [] : this.#listed.splice(index, 1);
    if (record !== undefined) {
      this.#listed.unshift(this.#generator.touchedConversation(record, this.#touches++));
    }
  }
}

/** An emulator that serves a generated history of conversations and their messages. */
export interface HistoryEmulator extends Emulator {
  /** Every conversation as the API lists it now, in the listing's order. */
  conversations(): readonly WireRecord[];
  /** Every message of one conversation as the API returns them now, oldest first. */
  messages(conversationId: string): WireRecord[];
  /** Messages across all conversations listed now. */
  totalMessages(): number;
  /** What the `live` option changed, when it is set. */
  readonly live: LiveData | undefined;
  /**
   * Makes one live-data change now (needs the `live` option): `insert`, `delete` or `move` a
   * conversation, or, given a conversation id, `append`, `insert`, `delete` or `move` one of
   * its messages (which updates the conversation). Returns what changed, if anything did.
   */
  change(change: LiveChange, conversationId?: string): LiveChangeRecord | undefined;
}

/** What a vendor gives {@link createHistoryEmulator}: its auth, its data, its envelope, its router. */
export interface HistoryEmulatorCore<Plan extends ConversationPlan>
  extends Omit<EmulatorCore, 'route'>,
    HistoryGenerator<Plan> {
  /** Answers a request that passed auth, latency and faults from `history`. */
  route(url: URL, history: EmulatedHistory<Plan>, request: EmulatedRequest): Response;
}

/** An emulator over the history `core.generator` makes, routed by `core.route`. */
export function createHistoryEmulator<Plan extends ConversationPlan>(
  core: HistoryEmulatorCore<Plan>,
  options: EmulatorOptions,
): HistoryEmulator {
  const history = new EmulatedHistory(core, {
    seed: options.seed ?? 1,
    live: options.live,
  });
  const emulator = createEmulator(
    { ...core, route: (url, request) => core.route(url, history, request) },
    options,
  );
  return Object.assign(emulator, {
    conversations: () => history.conversations(),
    messages: (conversationId: string) => history.messages(conversationId),
    totalMessages: () => history.totalMessages(),
    live: history.live,
    change: (change: LiveChange, conversationId?: string) => history.change(change, conversationId),
  });
}
