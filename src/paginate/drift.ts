/**
 * What the engine knows of vendor data that changes while it is listed. Page-number and offset
 * listings address records by position, so a record inserted, deleted or moved before a page
 * shifts every record after it; read at different moments, two neighbouring pages can then
 * repeat records (harmless: they are deduplicated) or leave a gap between them (records never
 * seen). Drift shows in what responses say: a total that changes, a page that repeats records
 * already seen, answers that came back in another order than the pages they hold.
 */

/** One page as read at one moment: its records' keys in order, its total, when it arrived. */
export interface Snapshot {
  /** Keys of the page's valid records, in order. */
  keys: readonly string[];
  /** Total the response reported, when it did. */
  total: number | undefined;
  /** Order in which the response arrived among every response of the listing (1, 2, ...). */
  arrival: number;
}

/** Totals of the responses of one listing, by order of arrival (a bounded window of them). */
export class Timeline {
  readonly #totals = new Map<number, number | undefined>();
  #arrivals = 0;

  constructor(private readonly capacity = 4096) {}

  /** Notes a response's total; returns its order of arrival. */
  arrive(total: number | undefined): number {
    this.#arrivals += 1;
    this.#totals.set(this.#arrivals, total);
    if (this.#totals.size > this.capacity) {
      const oldest = this.#totals.keys().next().value;
      if (oldest !== undefined) this.#totals.delete(oldest);
    }
    return this.#arrivals;
  }

  /** Whether the totals of the responses from `first` to `last` (in arrival order) never fell. */
  growingBetween(first: number, last: number): boolean {
    let previous: number | undefined;
    for (let arrival = first; arrival <= last; arrival++) {
      if (!this.#totals.has(arrival)) return false;
      const total = this.#totals.get(arrival);
      if (total === undefined) continue; // left out: unknown
      if (previous !== undefined && total < previous) return false;
      previous = total;
    }
    return true;
  }

  /**
   * Whether every response that arrived between two arrivals (both included) reported `total`:
   * if one said otherwise, the data changed in between. A response forgotten is taken to differ.
   */
  steadyBetween(first: number, last: number, total: number | undefined): boolean {
    const from = Math.min(first, last);
    const to = Math.max(first, last);
    for (let arrival = from; arrival <= to; arrival++) {
      if (!this.#totals.has(arrival)) return false;
      const seen = this.#totals.get(arrival);
      // A total left out is unknown, not a change.
      if (seen !== undefined && seen !== total) return false;
    }
    return true;
  }
}

/**
 * Whether no record can be missing between page `before` and page `after` (its neighbour later
 * in the listing):
 *
 * - `after` begins with records that end `before` (the same records, in the same order): the two
 *   runs overlap, so every record between them was read. Records keep their order relative to
 *   each other, except those moved to the front, which is why only an overlap at the boundary
 *   counts (a moved record can stand in both pages without them touching); the front sweep finds
 *   moved records;
 * - or `after`, answered later, reports more records and every answer between them reported a
 *   total at least as large as the one before it: records were only added, and since none of
 *   `before` was pushed into `after`, at the end;
 * - or both reported the same total, every response that arrived between them too, and they
 *   arrived in listing order or no drift has been seen: nothing changed in between.
 */
export function isTight(
  before: Snapshot,
  after: Snapshot,
  context: { timeline: Timeline; drifting: boolean },
): boolean {
  if (overlaps(before.keys, after.keys)) return true;
  // A vendor that leaves totals out gives nothing else to go by.
  if (before.total === undefined || after.total === undefined) return true;
  if (
    after.total > before.total &&
    after.arrival > before.arrival &&
    context.timeline.growingBetween(before.arrival, after.arrival)
  ) {
    // Records were added between the two answers and none was repeated: inserts at the front
    // would have pushed records of `before` into `after`, so these were appended at the end.
    return true;
  }
  if (before.total !== after.total) return false;
  if (!context.timeline.steadyBetween(before.arrival, after.arrival, before.total)) return false;
  return !(context.drifting && after.arrival < before.arrival);
}

/** Whether `after` starts with a run of records that `before` ends with. */
function overlaps(before: readonly string[], after: readonly string[]): boolean {
  const first = after[0];
  if (first === undefined) return false;
  const at = before.lastIndexOf(first);
  // The run must reach the end of `before`: a record at its head may be one moved to the front.
  if (at < 0 || before.length - at > after.length) return false;
  for (let offset = 1; at + offset < before.length; offset++) {
    if (before[at + offset] !== after[offset]) return false;
  }
  return true;
}
