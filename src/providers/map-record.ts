import type { z } from 'zod';
import { type EpochUnit, InvalidTimestampError, normalizeTimestamp } from '../model/timestamp.js';
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
 * `envelope`, the page the record came in, is passed on to `map`.
 */
export function mapRecordWith<Wire, Context, T, Envelope = undefined>(
  schema: z.ZodType<Wire>,
  record: unknown,
  map: (wire: Wire, record: unknown, context: Context, envelope: Envelope | undefined) => T,
  context: Context,
  isWire: (record: unknown) => record is Wire = wireGuard(schema),
  envelope?: Envelope,
): MapResult<T> {
  let wire: Wire;
  if (isWire(record)) {
    // Fast path: the record is already of the wire type; map it without zod's copy.
    wire = record;
  } else {
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      return { ok: false, issues: explainIssues(parsed.error.issues), id: readRecordId(record) };
    }
    wire = parsed.data;
  }
  try {
    return { ok: true, value: map(wire, record, context, envelope) };
  } catch (error) {
    if (!(error instanceof InvalidFieldError)) throw error;
    const issue: RecordIssue = { code: 'custom', path: error.path, message: error.message };
    return { ok: false, issues: [issue], id: readRecordId(record) };
  }
}

/**
 * The canonical form of the timestamp in wire field `path`; a value that is not a real date and
 * time is reported against that field (the record is invalid, the listing goes on). Give
 * `epochUnit` when the vendor documents the unit of its epoch numbers.
 */
export function timestampField(
  path: string,
  value: string | number,
  epochUnit?: EpochUnit,
): string {
  try {
    return normalizeTimestamp(value, epochUnit);
  } catch (error) {
    if (error instanceof InvalidTimestampError) throw new InvalidFieldError([path], error.message);
    throw error;
  }
}
