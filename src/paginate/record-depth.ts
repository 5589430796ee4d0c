/**
 * Deepest nesting of objects and arrays accepted in one vendor record (the record itself is
 * level 1). A deeper record is an invalid record: code that walks records recursively
 * (`JSON.stringify`, zod, database drivers) would overflow the stack on it.
 */
export const MAX_RECORD_DEPTH = 100;

/**
 * Whether `value` nests objects or arrays more than `maxDepth` levels deep. Walks with its own
 * stack, never recursion, so a record of any depth is measured safely.
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: { node: object; depth: number }[] = [{ node: value, depth: 1 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    if (entry.depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(entry.node) ? entry.node : Object.values(entry.node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        pending.push({ node: child, depth: entry.depth + 1 });
      }
    }
  }
  return false;
}
