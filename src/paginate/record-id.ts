/**
 * The id of a vendor record that could not be mapped, for reports and errors, when it has a usable
 * one: a string, or a number a JavaScript number holds exactly (past 2^53 digits are already
 * lost, and no id beats a wrong one).
 */
export function readRecordId(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || !Object.hasOwn(record, 'id')) {
    return undefined;
  }
  const id = (record as { id?: unknown }).id;
  if (typeof id === 'string') return id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : undefined;
}
