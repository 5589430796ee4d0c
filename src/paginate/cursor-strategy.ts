import { readCount } from './cursor-fields.js';
import type { FetchedPage, PaginationStrategy } from './types.js';

export type OpaqueCursor = { cursor: string | null; limit: number };

/** What a cursor envelope says: the token of the next page, if any. */
export interface CursorInfo {
  nextCursor: string | null | undefined;
}

/**
 * Opaque-token pagination (`?cursor=` / `starting_after=`): each page names the next. Nothing can
 * be planned ahead; a token seen before ends the listing instead of looping. An empty page that
 * names a new token is followed (a filtered search may return one before the end), as Stripe and
 * the OpenAI SDK do.
 */
export function cursorStrategy(): PaginationStrategy<OpaqueCursor, CursorInfo> {
  return {
    first: (limit) => ({ cursor: null, limit }),
    parse(value) {
      const limit = readCount(value, 'limit', 1);
      const cursor = value.cursor;
      if (limit === undefined || (cursor !== null && typeof cursor !== 'string')) return undefined;
      return { cursor, limit };
    },
    followsEmptyPages: true,
    next(cursor, page: FetchedPage<CursorInfo>) {
      const token = page.info.nextCursor;
      if (token === null || token === undefined || token === '') return null;
      return { cursor: token, limit: cursor.limit };
    },
  };
}
