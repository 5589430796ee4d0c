import { invalidArgument } from '../errors.js';
import type { Page } from './types.js';

/**
 * A lazy listing: iterate it with `for await` for items, or `.pages()` for pages with their
 * resume cursors. Nothing is requested until iteration starts, and leaving the loop early
 * (`break`, `return`, a throw) cancels every request in flight. Each iteration starts afresh.
 */
export interface Paginated<T> extends AsyncIterable<T> {
  /** Iterates page by page; each page carries `next`, the cursor to resume after it. */
  pages(): AsyncIterableIterator<Page<T>>;
  /** Collects every item. Prefer `for await` for large listings: this holds them all in memory. */
  toArray(): Promise<T[]>;
  /** The same listing, stopping after `count` items. */
  take(count: number): Paginated<T>;
  /** The first item, or `undefined` for an empty listing. Requests one page at most. */
  first(): Promise<T | undefined>;
}

/** Opens one run of a listing, given an item limit that overrides the caller's `maxItems`. */
export type OpenPages<T> = (limit: { maxItems?: number }) => AsyncIterableIterator<Page<T>>;

/** Builds a {@link Paginated} from a function that opens a fresh run of pages. */
export function createPaginated<T>(
  open: OpenPages<T>,
  limit: { maxItems?: number } = {},
): Paginated<T> {
  const paginated: Paginated<T> = {
    pages: () => open(limit),
    async *[Symbol.asyncIterator]() {
      for await (const page of open(limit)) yield* page.items;
    },
    async toArray() {
      const items: T[] = [];
      for await (const page of open(limit)) {
        for (const item of page.items) items.push(item);
      }
      return items;
    },
    take(count) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw invalidArgument(`take() needs a whole number >= 0, got ${count}`);
      }
      const maxItems = limit.maxItems === undefined ? count : Math.min(limit.maxItems, count);
      return createPaginated(open, { maxItems });
    },
    async first() {
      const [item] = await paginated.take(1).toArray();
      return item;
    },
  };
  return paginated;
}
