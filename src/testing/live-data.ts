import { createRandom, hashSeed } from './random.js';

/**
 * A change a live vendor makes to a listing between two of its answers:
 *
 * - `insert`: a new record at the front (a new conversation in a newest-first listing);
 * - `delete`: a record the client has already been served is removed (from the page just served
 *   or one before it), which shifts every later record back by one;
 * - `move`: a record moves to the front (a conversation updated in a newest-first listing);
 * - `append`: a new record at the end (a new message in an oldest-first listing).
 */
export type LiveChange = 'insert' | 'delete' | 'move' | 'append';

/** Which listings of an emulator change. */
export type LiveListingKind = 'conversations' | 'messages';

/** A page an emulator has just served, as its live data sees it. */
export interface ServedPage {
  listing: LiveListingKind;
  /** Conversation whose messages were served. */
  conversationId?: string;
  /** Position of the page's first record, and one past its last. */
  start: number;
  end: number;
  /** Pages served so far by this emulator, this one included. */
  count: number;
}

/** Data that changes while it is listed: the emulators' `live` option. */
export interface LiveDataOptions {
  /**
   * Kinds of change drawn from.
   * @default ['insert', 'delete', 'move', 'append']
   */
  changes?: readonly LiveChange[];
  /**
   * Changes after each page served: `1` after every page, `0.25` after one page in four on
   * average, `3` three after each.
   * @default 1
   */
  rate?: number;
  /**
   * Listings that change.
   * @default ['conversations', 'messages']
   */
  listings?: readonly LiveListingKind[];
  /** Decides the changes after each page itself; takes precedence over `changes` and `rate`. */
  schedule?: (page: ServedPage) => readonly LiveChange[];
  /** Seed of the draws (defaults to the emulator's seed). */
  seed?: number;
}

/** One change made, for tests that need to know what existed all along. */
export interface LiveChangeRecord {
  change: LiveChange;
  listing: LiveListingKind;
  conversationId?: string;
  /** Id of the record inserted, deleted, moved or appended. */
  id: string;
}

/** How a vendor makes new records and marks an updated one. */
export interface LiveRecords<R> {
  /** A record that never existed, for the front (`insert`) or the end (`append`). */
  fresh(where: 'front' | 'end', sequence: number): R;
  /** The record as it is after an update that moves it to the front. */
  touched?(record: R, sequence: number): R;
  idOf(record: R): string;
  /** Told after each change made to the listing. */
  changed?(change: LiveChange): void;
}

/** Applies an emulator's `live` option to its listings. */
export class LiveData {
  readonly log: LiveChangeRecord[] = [];
  #served = 0;
  #sequence = 0;
  readonly #random: () => number;
  readonly #changes: readonly LiveChange[];
  readonly #listings: ReadonlySet<LiveListingKind>;

  constructor(
    private readonly options: LiveDataOptions,
    seed: number,
  ) {
    this.#random = createRandom(hashSeed(options.seed ?? seed, 'live'));
    this.#changes = options.changes ?? ['insert', 'delete', 'move', 'append'];
    this.#listings = new Set(options.listings ?? ['conversations', 'messages']);
    if (this.#changes.length === 0) throw new Error('live.changes must name at least one change');
    if (options.rate !== undefined && !(options.rate >= 0)) {
      throw new Error('live.rate must be a number >= 0');
    }
  }

  /** Called after a page of `records` was rendered: makes the changes due now. */
  afterPage<R>(page: Omit<ServedPage, 'count'>, records: R[], make: LiveRecords<R>): void {
    this.#served += 1;
    if (!this.#listings.has(page.listing)) return;
    const served: ServedPage = { ...page, count: this.#served };
    for (const change of this.#due(served)) this.#apply(change, served, records, make);
  }

  /**
   * Makes one change now, as if after a page that covered the whole listing (a `delete` may take
   * any record): for tests that change a vendor's data between two runs.
   */
  changeNow<R>(
    change: LiveChange,
    listing: LiveListingKind,
    records: R[],
    make: LiveRecords<R>,
    conversationId?: string,
  ): LiveChangeRecord | undefined {
    const before = this.log.length;
    const page: ServedPage = {
      listing,
      start: 0,
      end: records.length,
      count: this.#served,
      ...(conversationId === undefined ? {} : { conversationId }),
    };
    this.#apply(change, page, records, make);
    return this.log.length > before ? this.log.at(-1) : undefined;
  }

  #due(page: ServedPage): readonly LiveChange[] {
    if (this.options.schedule) return this.options.schedule(page);
    const rate = this.options.rate ?? 1;
    let count = Math.floor(rate);
    if (this.#random() < rate - count) count += 1;
    return Array.from(
      { length: count },
      () => this.#changes[Math.floor(this.#random() * this.#changes.length)] ?? 'insert',
    );
  }

  #apply<R>(change: LiveChange, page: ServedPage, records: R[], make: LiveRecords<R>): void {
    const note = (record: R) => {
      this.log.push({
        change,
        listing: page.listing,
        ...(page.conversationId === undefined ? {} : { conversationId: page.conversationId }),
        id: make.idOf(record),
      });
      make.changed?.(change);
    };
    switch (change) {
      case 'insert': {
        const record = make.fresh('front', this.#sequence++);
        records.unshift(record);
        note(record);
        return;
      }
      case 'append': {
        const record = make.fresh('end', this.#sequence++);
        records.push(record);
        note(record);
        return;
      }
      case 'delete': {
        // A record the client has already been served: this page's, or one before it.
        const end = Math.min(page.end, records.length);
        if (end === 0) return;
        const [record] = records.splice(Math.floor(this.#random() * end), 1);
        if (record !== undefined) note(record);
        return;
      }
      case 'move': {
        if (records.length < 2) return;
        const at = 1 + Math.floor(this.#random() * (records.length - 1));
        const [record] = records.splice(at, 1);
        if (record === undefined) return;
        const moved = make.touched ? make.touched(record, this.#sequence++) : record;
        records.unshift(moved);
        note(moved);
        return;
      }
    }
  }
}

/**
 * The message listings of an emulator: generated on demand from their plan while the data is
 * static (large data sets take little memory), made concrete, and kept, once live data can
 * change them.
 */
export class MessageListings<Plan extends { id: string; messageCount: number }, R> {
  readonly #concrete = new Map<string, R[]>();

  constructor(
    private readonly live: boolean,
    private readonly messageAt: (plan: Plan, position: number) => R,
  ) {}

  /** Every message of a conversation, as the listing holds them now. */
  of(plan: Plan): R[] {
    let records = this.#concrete.get(plan.id);
    if (records === undefined) {
      records = Array.from({ length: plan.messageCount }, (_, position) =>
        this.messageAt(plan, position),
      );
      if (this.live) this.#concrete.set(plan.id, records);
    }
    return records;
  }

  /** How many messages the conversations of `plans` have now, together. */
  total(plans: Iterable<Plan | undefined>): number {
    let sum = 0;
    for (const plan of plans) {
      if (plan !== undefined) sum += this.#concrete.get(plan.id)?.length ?? plan.messageCount;
    }
    return sum;
  }
}
