/**
 * Deepest nesting of objects and arrays accepted in one vendor record (the record itself is
 * level 1). A deeper record is an invalid record: code that walks records recursively
 * (`JSON.stringify`, zod, database drivers) would overflow the stack on it.
 */
export const MAX_RECORD_DEPTH = 100;

/**
 * Whether `value` nests objects or arrays more than `maxDepth` levels deep. Recursion stops at
 * `maxDepth + 1` levels whatever the record's real depth, so a record of any depth is measured
 * without overflowing the stack, and without allocating.
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return deeperThan(value, maxDepth);
}

function deeperThan(node: object, levels: number): boolean {
  if (levels <= 0) return true;
  if (Array.isArray(node)) {
    for (const child of node) {
      if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true;
    }
    return false;
  }
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true;
  }
  return false;
}
