import { z } from 'zod';

/** A count in an envelope: a number, or a numeric string from servers that echo query values. */
export const CountSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/).transform(Number),
]);

/** Free-form vendor metadata: a JSON object. */
export const WireMetadataSchema = z.record(z.string(), z.unknown());
