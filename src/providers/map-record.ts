import type { z } from 'zod';
import { InvalidTimestampError } from '../model/timestamp.js';
import { readRecordId } from '../paginate/record-id.js';
import type { MapResult, RecordIssue } from '../paginate/types.js';
import { explainIssues } from './explain-issues.js';
import { wireGuard } from './wire-guard.js';

/** A field of a vendor record whose value a mapper could not use. */
export class InvalidFieldError extends Error {
  override readonly name = 'InvalidFieldError';
  constructor(
    readonly path: readonly PropertyKey[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates a vendor record with its wire schema, then maps it. Validation issues and fields the
 * mapper rejects (an impossible date, say) become a failed {@link MapResult} naming the record's id.
 */
export function mapRecordWith<Wire, T>(
  schema: z.ZodType<Wire>,
  record: unknown,
  map: (wire: Wire, record: unknown) => T,
  isWire: (record: unknown) => record is Wire = wireGuard(schema),
): MapResult<T> {
  if (isWire(record)) {
    // Fast path: the record is already of the wire type; map it without zod's copy.
    try {
      return { ok: true, value: map(record, record) };
    } catch (error) {
      if (!(error instanceof InvalidFieldError)) throw error;
      return {
        ok: false,
        issues: [{ code: 'custom', path: error.path, message: error.message }],
        id: readRecordId(record),
      };
    }
  }
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    return { ok: false, issues: explainIssues(parsed.error.issues), id: readRecordId(record) };
  }
  try {
    return { ok: true, value: map(parsed.data, record) };
  } catch (error) {
    if (error instanceof InvalidFieldError) {
      const issue: RecordIssue = { code: 'custom', path: error.path, message: error.message };
      return { ok: false, issues: [issue], id: readRecordId(record) };
    }
    throw error;
  }
}

/** Runs a timestamp conversion, reporting a failure against the field it came from. */
export function field<T>(path: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof InvalidTimestampError) throw new InvalidFieldError([path], error.message);
    throw error;
  }
}
