import type { z } from 'zod';
import { ChatHistoryError } from '../errors.js';

/**
 * Validates a page envelope (the page itself, not its records). A wrong shape is the vendor's
 * fault and cannot be skipped record by record, so it throws `invalid_response`.
 */
export function parseEnvelope<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  request: { source: string; path: string },
  isWellFormed?: (body: unknown) => body is z.output<Schema>,
): z.output<Schema> {
  // Fast path: a well-formed envelope is used as is, without copying its records array.
  if (isWellFormed?.(body)) return body;
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  throw new ChatHistoryError(
    `GET ${request.path} -> invalid_response (${request.source}): unexpected page envelope at ${where}: ${issue?.message ?? 'invalid'}`,
    {
      code: 'invalid_response',
      source: request.source,
      method: 'GET',
      path: request.path,
      retryable: false,
    },
  );
}
