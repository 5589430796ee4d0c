import type { TextRules } from './storable-text.js';
import { storableText } from './storable-text.js';

/** The key of a row, as the store holds it. */
export interface RowKey {
  readonly source: string;
  readonly account: string;
  readonly id: string;
}

/** Runs a statement in the transaction of the write under way. */
export type KeyQuery = (
  sql: string,
  params: readonly string[],
) => Promise<readonly Record<string, unknown>[]>;

/**
 * The keys one sync writes to a table without a key index (DuckDB's `messages`), so that rows
 * taken for new need no scan of the table to be known new.
 *
 * Per source and account, the table is asked once whether it holds a row of theirs. When it does
 * not, every key written for them from then on is remembered in one {@link TextFilter} (shared by
 * every source), and a row whose key the filter has never seen cannot be stored: nothing else
 * writes the table while the sync runs (DuckDB's file lock keeps other processes out, and the
 * store other syncs). When it does, or when the filter answers "maybe", the caller scans. A key
 * remembered for a write that is then rolled back only costs that scan.
 */
export class WrittenKeys {
  readonly #table: string;
  readonly #rules: TextRules;
  readonly #query: KeyQuery;
  // Per source and account: whether the table held rows of theirs when first asked.
  readonly #stored = new Map<string, boolean>();
  readonly #filter = new TextFilter();

  constructor(table: string, rules: TextRules, query: KeyQuery) {
    this.#table = table;
    this.#rules = rules;
    this.#query = query;
  }

  /**
   * Remembers the keys of rows about to be written as new, and says whether one of them may be
   * stored already or repeated among them (`false`: none is, for sure).
   */
  async mayBeTaken(keys: readonly RowKey[]): Promise<boolean> {
    let maybe = false;
    // Rows come grouped by source: the answer for the one before serves most of them.
    let last: { source: string; account: string; stored: boolean; prefix: TextPrefix } | undefined;
    for (const key of keys) {
      if (last?.source !== key.source || last.account !== key.account) {
        const { source, account } = key;
        last = { source, account, stored: await this.#storedOf(key), prefix: this.#prefixOf(key) };
      }
      if (last.stored) {
        maybe = true;
        continue;
      }
      const id = storableText(key.id, this.#rules);
      if (this.#filter.mayHave(id, last.prefix)) maybe = true;
      this.#filter.add(id, last.prefix);
    }
    return maybe;
  }

  /** Remembers the keys of rows written otherwise (compared with the table, then upserted). */
  wrote(keys: readonly RowKey[]): void {
    // As in `mayBeTaken`, once per run of rows of one source and account.
    let last:
      | { source: string; account: string; remembered: boolean; prefix: TextPrefix }
      | undefined;
    for (const key of keys) {
      if (last?.source !== key.source || last.account !== key.account) {
        const { source, account } = key;
        const remembered = this.#stored.get(this.#sourceOf(key)) === false;
        last = { source, account, remembered, prefix: this.#prefixOf(key) };
      }
      if (last.remembered) this.#filter.add(storableText(key.id, this.#rules), last.prefix);
    }
  }

  async #storedOf(key: RowKey): Promise<boolean> {
    const source = this.#sourceOf(key);
    let stored = this.#stored.get(source);
    if (stored === undefined) {
      const rows = await this.#query(
        `SELECT count(*) AS found FROM (SELECT 1 FROM ${this.#table}
         WHERE source = $1 AND account = $2 LIMIT 1) AS one`,
        [storableText(key.source, this.#rules), storableText(key.account, this.#rules)],
      );
      stored = Number(rows[0]?.found) > 0;
      this.#stored.set(source, stored);
    }
    return stored;
  }

  #sourceOf(key: RowKey): string {
    return JSON.stringify([
      storableText(key.source, this.#rules),
      storableText(key.account, this.#rules),
    ]);
  }

  /**
   * The source and account of a key as the filter takes them, before its id. Two keys may give
   * one text (a NUL in a part): that only costs a scan, as a key always gives the same text.
   */
  #prefixOf(key: RowKey): TextPrefix {
    return textPrefix(
      `${storableText(key.source, this.#rules)}\0${storableText(key.account, this.#rules)}\0`,
    );
  }
}

/** Bits of a {@link TextFilter} per text it is sized for. */
const BITS_PER_TEXT = 32;
/**
 * Bits set per text. With 32 bits a text, a full block answers "maybe" for about 2 in a million
 * texts never added (22, the most selective, would answer so for 2 in 10 million at twice the
 * cost).
 */
const PROBES = 10;
/** Texts the first block holds; each next block holds twice as many, up to the largest. */
const FIRST_BLOCK = 1 << 16;
const LARGEST_BLOCK = 1 << 24;

/**
 * A Bloom filter of texts that grows as they come (a block at a time, each twice the size of the
 * one before): it answers "maybe" for every text added, and for few others. Four to eight bytes a
 * text, 256 KiB at least.
 */
export class TextFilter {
  readonly #blocks: Block[] = [];

  /** Adds `text`, or the text `prefix` then `text` (see {@link textPrefix}). */
  add(text: string, prefix: TextPrefix = NO_PREFIX): void {
    let block = this.#blocks.at(-1);
    if (block === undefined || block.count >= block.capacity) {
      const capacity = Math.min(FIRST_BLOCK * 2 ** this.#blocks.length, LARGEST_BLOCK);
      block = {
        bits: new Int32Array((capacity * BITS_PER_TEXT) / 32),
        mask: capacity * BITS_PER_TEXT - 1,
        capacity,
        count: 0,
      };
      this.#blocks.push(block);
    }
    hash(text, prefix);
    const { bits, mask } = block;
    for (let probe = 0; probe < PROBES; probe++) {
      const bit = (hashed.first + Math.imul(probe, hashed.step)) & mask;
      const word = bit >>> 5;
      bits[word] = (bits[word] ?? 0) | (1 << (bit & 31));
    }
    block.count += 1;
  }

  /**
   * `false` when `text` (after `prefix`) was never added; `true` when it was, and rarely when
   * not.
   */
  mayHave(text: string, prefix: TextPrefix = NO_PREFIX): boolean {
    if (this.#blocks.length === 0) return false;
    hash(text, prefix);
    for (const { bits, mask } of this.#blocks) {
      let probe = 0;
      while (probe < PROBES) {
        const bit = (hashed.first + Math.imul(probe, hashed.step)) & mask;
        if (((bits[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) break;
        probe += 1;
      }
      if (probe === PROBES) return true;
    }
    return false;
  }
}

interface Block {
  readonly bits: Int32Array;
  readonly mask: number;
  readonly capacity: number;
  count: number;
}

/** The two hashes of the text {@link hash} last took (kept here: no array per text). */
const hashed = { first: 0, step: 1 };

/**
 * The start of texts, hashed once: a {@link TextFilter} takes a text after it as it takes the two
 * joined, without joining them.
 */
export interface TextPrefix {
  readonly a: number;
  readonly b: number;
}

const NO_PREFIX: TextPrefix = { a: 0x811c9dc5, b: 0x9747b28c };

/** `text` as the start of the texts a {@link TextFilter} takes after it. */
export function textPrefix(text: string): TextPrefix {
  fnv(text, NO_PREFIX);
  return { a: state.a, b: state.b };
}

/**
 * Two 32-bit hashes of `prefix` then `text`, as UTF-16 code units (FNV-1a with two primes, each
 * then mixed by MurmurHash3's finalizer); the second is odd, so that its multiples reach every
 * bit of a block.
 */
function hash(text: string, prefix: TextPrefix): void {
  fnv(text, prefix);
  hashed.first = mix(state.a);
  hashed.step = mix(state.b) | 1;
}

/** FNV-1a's two states after `text`, from those of `prefix` (kept here: no array per text). */
const state = { a: 0, b: 0 };

function fnv(text: string, prefix: TextPrefix): void {
  let { a, b } = prefix;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
  }
  state.a = a;
  state.b = b;
}

function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
