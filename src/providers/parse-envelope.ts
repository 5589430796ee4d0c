import type { z } from 'zod';
import { invalidEnvelope } from '../errors/invalid-response.js';
import { safeText } from '../text/safe-text.js';
import { explainIssues } from './explain-issues.js';
import { wireGuard } from './wire-guard.js';

/**
 * Validates a page envelope (the page itself, not its records). A wrong shape is the vendor's
 * fault and cannot be skipped record by record, so it throws `invalid_response`.
 */
export function parseEnvelope<Envelope>(
  schema: z.ZodType<Envelope>,
  body: unknown,
  request: { source: string; method?: string; path: string },
): Envelope {
  // Fast path: a well-formed envelope is used as is, without copying its records array.
  if (wireGuard(schema)(body)) return body;
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = explainIssues(result.error.issues)[0];
  const where =
    issue && issue.path.length > 0 ? safeText(issue.path.map(String).join('.'), 100) : '(body)';
  // Paths hold caller and vendor ids of any length.
  const path = safeText(request.path, 300);
  throw invalidEnvelope(
    { method: request.method ?? 'GET', path, source: request.source },
    where,
    safeText(issue?.message ?? 'invalid'),
  );
}
