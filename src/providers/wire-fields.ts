import { z } from 'zod';
import { MetadataSchema } from '../model.js';
import { isWellFormedText } from '../safe-text.js';

/** A count in an envelope: a number, or a numeric string from servers that echo query values. */
export const CountSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/).transform(Number),
]);

/** Free-form vendor metadata: a JSON object, kept as received (`"__proto__"` keys included). */
export const WireMetadataSchema = MetadataSchema;

const LONE_SURROGATE_MESSAGE = 'not well-formed text: it holds a lone surrogate';

/** Text that a URL, a database and a terminal can carry: no lone surrogate. */
export const WellFormedStringSchema = z
  .string()
  .refine(isWellFormedText, { message: LONE_SURROGATE_MESSAGE });

/** A record's own id: non-empty, well-formed text (it goes into URLs and keys). */
export const WireIdSchema = z
  .string()
  .min(1)
  .refine(isWellFormedText, { message: LONE_SURROGATE_MESSAGE });

/**
 * An id some vendors send as a JSON number: a safe integer becomes its digits as a string. A
 * larger number cannot be trusted (`9007199254740993` parses as `...992`), so it is refused, never
 * turned into another id.
 */
export const NumericIdSchema = z.number().check((context) => {
  if (!Number.isSafeInteger(context.value)) {
    context.issues.push({
      code: 'custom',
      input: context.value,
      message: `${context.value} is not an integer a JavaScript number holds exactly (above 2^53 digits are lost): the vendor should send this id as a string`,
    });
  }
});

/** An id sent as a string or as a number (see {@link NumericIdSchema}), always read as a string. */
export const StringOrNumericIdSchema = z.union([
  WellFormedStringSchema,
  NumericIdSchema.transform(String),
]);
