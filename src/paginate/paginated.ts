import { invalidArgument } from '../errors/invalid-argument.js';
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
  // Each method captures where the caller started iterating, before its first await: requests
  // run ahead of the caller (prefetch), so the errors they end in carry no frame of the caller's.
  const paginated: Paginated<T> = {
    pages() {
      return pointingAtCaller(open(limit), callSite());
    },
    [Symbol.asyncIterator]() {
      return items(pointingAtCaller(open(limit), callSite()));
    },
    toArray() {
      return collect(pointingAtCaller(open(limit), callSite()));
    },
    take(count) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw invalidArgument(`take() needs a whole number >= 0, got ${count}`);
      }
      const maxItems = limit.maxItems === undefined ? count : Math.min(limit.maxItems, count);
      return createPaginated(open, { maxItems });
    },
    first() {
      const pages = open({
        maxItems: limit.maxItems === undefined ? 1 : Math.min(limit.maxItems, 1),
      });
      return collect(pointingAtCaller(pages, callSite())).then(([item]) => item);
    },
  };
  return paginated;
}

async function* items<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const collected: T[] = [];
  for await (const page of pages) {
    for (const item of page.items) collected.push(item);
  }
  return collected;
}

/** Passes pages through; an error they end in gets the caller's frames added to its stack. */
async function* pointingAtCaller<T>(
  pages: AsyncIterableIterator<Page<T>>,
  caller: CallSite,
): AsyncGenerator<Page<T>, void, undefined> {
  try {
    yield* pages;
  } catch (error) {
    const frames = callerFrames(caller);
    if (frames !== '' && error instanceof Error && typeof error.stack === 'string') {
      if (!error.stack.includes(frames)) error.stack = `${error.stack}\n${frames}`;
    }
    throw error;
  }
}

/**
 * Where a listing was started: an error made there, whose stack is only read (and formatted,
 * the costly part) when the listing fails.
 */
type CallSite = Error;

function callSite(): CallSite {
  return new Error();
}

/**
 * The stack frames of whoever called into this module, as `    at ...` lines: the frames of
 * this file (and of the library, when it is bundled into one file) are left out.
 */
function callerFrames(caller: CallSite): string {
  let stack: unknown;
  try {
    stack = caller.stack;
  } catch {
    // A `prepareStackTrace` that throws: the listing's own error matters more.
    return '';
  }
  if (typeof stack !== 'string') return '';
  const frames = stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
  const own = fileOf(frames[0]);
  let first = 0;
  while (first < frames.length && own !== undefined && fileOf(frames[first]) === own) first++;
  return frames.slice(first, first + 10).join('\n');
}

function fileOf(frame: string | undefined): string | undefined {
  return frame === undefined ? undefined : /\(?([^()\s]+):\d+:\d+\)?$/.exec(frame)?.[1];
}
