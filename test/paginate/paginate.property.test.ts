import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatHistoryError, type PageCursor, paginate } from '../../src/index.js';
import {
  createFakeListing,
  type Item,
  type Kind,
  makeItems,
  serverError,
} from '../helpers/fake-listing.js';

interface Scenario {
  kind: Kind;
  count: number;
  pageSize: number;
  clamp: number | undefined;
  concurrency: number;
  /** How the reported total relates to the truth. */
  lie: 'truth' | 'over' | 'under' | 'none';
  /** Request numbers whose first attempt fails. */
  failures: number[];
  /** Per-request latency, to shuffle completion order. */
  latencies: number[];
  /** When set, some pages come back shorter than the server's page size (records vanished). */
  shortSeed: number | undefined;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    kind: fc.constantFrom<Kind>('page', 'offset', 'cursor'),
    count: fc.integer({ min: 0, max: 240 }),
    pageSize: fc.integer({ min: 1, max: 40 }),
    clamp: fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }),
    concurrency: fc.integer({ min: 1, max: 8 }),
    lie: fc.constantFrom<Scenario['lie']>('truth', 'over', 'under', 'none'),
    failures: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }),
    latencies: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    shortSeed: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  })
  // Page-number listings trust the vendor's page count (it is all they have to go on), so a
  // count that understates is a documented limit, not a property of the engine.
  .filter((s) => !(s.kind === 'page' && s.lie === 'under'));

/** A page at `start` that comes back with half its records, for offset and cursor listings. */
function isShort(s: Scenario, start: number): boolean {
  if (s.shortSeed === undefined || s.kind === 'page') return false;
  return ((start * 2654435761 + s.shortSeed) >>> 0) % 3 === 0;
}

function reportedTotal(s: Scenario): number | null {
  if (s.lie === 'none') return null;
  if (s.lie === 'over') return s.count * 2 + 7;
  if (s.lie === 'under') return Math.floor(s.count / 3);
  return s.count;
}

describe('paginate: properties', () => {
  it('every record exactly once and in order, resuming from error.cursor after each fault, with bounded requests', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const failed = new Set<number>();
        const all = makeItems(s.count);
        let shortPages = 0;
        const listing = createFakeListing({
          kind: s.kind,
          count: s.count,
          clamp: s.clamp,
          reportedTotal: reportedTotal(s),
          latency: (request) => s.latencies[request % s.latencies.length] ?? 0,
          recordsAt: (start, size) => {
            const short = isShort(s, start);
            if (short) shortPages += 1;
            return all.slice(start, start + (short ? Math.max(1, size >> 1) : size));
          },
          fail: (request) => {
            if (!s.failures.includes(request) || failed.has(request)) return undefined;
            failed.add(request);
            return serverError();
          },
        });
        const seen: Item[] = [];
        let startAt: PageCursor | undefined;
        let runs = 0;
        for (;;) {
          runs += 1;
          try {
            const options = { pageSize: s.pageSize, concurrency: s.concurrency };
            for await (const item of paginate(
              listing.definition,
              startAt ? { ...options, startAt } : options,
            )) {
              seen.push(item);
            }
            break;
          } catch (error) {
            if (!ChatHistoryError.is(error) || error.cursor === undefined) throw error;
            startAt = error.cursor;
          }
        }
        expect(seen.map((item) => item.n)).toEqual(listing.items.map((item) => item.n));
        // Each run, and each short page (which proves the predictions after it wrong), wastes at
        // most `concurrency` requests: predictions dropped, plus the one empty page that ends a
        // listing whose total overstates.
        const serverPageSize = Math.min(s.pageSize, s.clamp ?? Number.POSITIVE_INFINITY);
        const pageSizeFloor =
          s.shortSeed === undefined ? serverPageSize : Math.max(1, serverPageSize >> 1);
        const pages = Math.max(1, Math.ceil(s.count / pageSizeFloor));
        expect(listing.requests.length).toBeLessThanOrEqual(
          pages + (runs + shortPages) * (s.concurrency + 1),
        );
        expect(listing.maxInFlight).toBeLessThanOrEqual(s.concurrency);
        expect(listing.inFlight).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
