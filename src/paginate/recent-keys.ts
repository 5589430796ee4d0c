/**
 * A set that remembers only the last `capacity` keys added, so that deduplicating a listing of
 * any length takes bounded memory. Duplicates from paging over changing data appear near page
 * boundaries, well inside the window.
 */
export class RecentKeys {
  readonly #keys = new Set<string>();
  readonly #order: string[] = [];
  #oldest = 0;

  constructor(readonly capacity: number) {}

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    if (this.#order.length < this.capacity) {
      this.#order.push(key);
      return;
    }
    // Ring buffer: overwrite the oldest key.
    const evicted = this.#order[this.#oldest];
    if (evicted !== undefined) this.#keys.delete(evicted);
    this.#order[this.#oldest] = key;
    this.#oldest = (this.#oldest + 1) % this.capacity;
  }
}
