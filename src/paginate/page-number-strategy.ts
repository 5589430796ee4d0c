import { readCount } from './cursor-fields.js';
import type { FetchedPage, PaginationStrategy } from './types.js';

export type PageNumberCursor = { page: number; limit: number };

/** What a page-number envelope says about the whole listing. */
export interface PageNumberInfo {
  /** Pages in the listing at the server's page size, when the envelope says. */
  totalPages?: number | null | undefined;
}

/**
 * `?page=&limit=` pagination. The server's `totalPages` (counted at the page size it actually
 * used, which may be smaller than `limit`) ends the listing and lets the remaining pages be
 * planned. A short page does not end it: servers clamp `limit`.
 */
export function pageNumberStrategy(
  options: { firstPage?: number } = {},
): PaginationStrategy<PageNumberCursor, PageNumberInfo> {
  const firstPage = options.firstPage ?? 1;
  return {
    positional: true,
    first: (limit) => ({ page: firstPage, limit }),
    parse(value) {
      const page = readCount(value, 'page', firstPage);
      const limit = readCount(value, 'limit', 1);
      return page === undefined || limit === undefined ? undefined : { page, limit };
    },
    next(cursor, page: FetchedPage<PageNumberInfo>) {
      if (page.records.length === 0) return null;
      const totalPages = page.info.totalPages;
      if (typeof totalPages === 'number' && cursor.page >= totalPages) return null;
      return { page: cursor.page + 1, limit: cursor.limit };
    },
    *plan(_cursor, page, next) {
      const totalPages = page.info.totalPages;
      if (typeof totalPages !== 'number') return;
      for (let number = next.page + 1; number <= totalPages; number++) {
        yield { page: number, limit: next.limit };
      }
    },
  };
}
