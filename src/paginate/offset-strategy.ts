import { readCount } from './cursor-fields.js';
import type { FetchedPage, PaginationStrategy } from './types.js';

export type OffsetCursor = { offset: number; limit: number };

/** What an offset envelope says about the rest of the listing. */
export interface OffsetInfo {
  /** The server's word on whether more records follow; `null` when it does not say. */
  hasMore: boolean | null;
}

/**
 * `?offset=&limit=` pagination. The next offset is this one plus the records actually returned
 * (servers may return fewer than `limit`). `hasMore` decides the end; the total is only a hint,
 * used to plan requests ahead at the stride the server actually used.
 */
export function offsetStrategy(): PaginationStrategy<OffsetCursor, OffsetInfo> {
  return {
    positional: true,
    first: (limit) => ({ offset: 0, limit }),
    parse(value) {
      const offset = readCount(value, 'offset', 0);
      const limit = readCount(value, 'limit', 1);
      return offset === undefined || limit === undefined ? undefined : { offset, limit };
    },
    next(cursor, page: FetchedPage<OffsetInfo>) {
      const count = page.records.length;
      if (count === 0 || page.info.hasMore === false) return null;
      if (
        page.info.hasMore === null &&
        page.total !== undefined &&
        cursor.offset + count >= page.total
      ) {
        return null;
      }
      return { offset: cursor.offset + count, limit: cursor.limit };
    },
    *plan(_cursor, page, next) {
      if (page.total === undefined) return;
      const stride = page.records.length;
      for (let offset = next.offset + stride; offset < page.total; offset += stride) {
        yield { offset, limit: next.limit };
      }
    },
  };
}
