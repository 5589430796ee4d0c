import { z } from 'zod';
import { MetadataSchema } from '../model/canonical-schemas.js';
import { isWellFormedText } from '../text/safe-text.js';

/** A count in an envelope: a number, or a numeric string from servers that echo query values. */
export const CountSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/).transform(Number),
]);

/** Free-form vendor metadata: a JSON object, kept as received (`"__proto__"` keys included). */
export const WireMetadataSchema = MetadataSchema;

const LONE_SURROGATE_MESSAGE = 'not well-formed text: it holds a lone surrogate';

/** Text that a URL and a database can carry: no lone surrogate. */
export const WellFormedStringSchema = z
  .string()
  .refine(isWellFormedText, { message: LONE_SURROGATE_MESSAGE });

/**
 * A record's own id: non-empty, well-formed text, and not `.` or `..` (URL parsers resolve those
 * as path steps, even percent-encoded, so such a conversation's messages could not be asked for).
 */
export const WireIdSchema = z
  .string()
  .min(1)
  .refine(isWellFormedText, { message: LONE_SURROGATE_MESSAGE })
  .refine((id) => id !== '.' && id !== '..', { message: 'an id cannot be "." or ".."' });

/**
 * An id sent as a JSON number, read as its digits. It must be a safe integer: a larger one cannot
 * be trusted (`9007199254740993` parses as `...992`), so it is refused, never turned into another
 * id.
 */
export const NumericIdSchema = z
  .number()
  .check((context) => {
    if (!Number.isSafeInteger(context.value)) {
      context.issues.push({
        code: 'custom',
        input: context.value,
        message: `${context.value} is not an integer a JavaScript number holds exactly (past 2^53 digits are lost): the vendor must send this id as a string`,
      });
    }
  })
  .transform(String);

/** An id sent as a string or as a JSON number ({@link NumericIdSchema}), always read as a string. */
export const StringOrNumericIdSchema = z.union([WellFormedStringSchema, NumericIdSchema]);

/** A record's own id ({@link WireIdSchema}) that some vendors send as a JSON number. */
export const WireIdOrNumberSchema = z.union([WireIdSchema, NumericIdSchema]);

/**
 * A vendor timestamp before normalization: ISO-8601 text, or a Unix epoch number (seconds or
 * milliseconds). What it means is read by `normalizeTimestamp`.
 */
export const WireTimestampSchema = z.union([z.string(), z.number()]);
