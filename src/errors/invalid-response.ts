import type { JsonObject } from '../model/json.js';
import { ChatHistoryError } from './chat-history-error.js';
import { describeRequest, type RequestDescription } from './request-error.js';

/** A page envelope of the wrong shape: the vendor's fault, and no record of it can be used. */
export function invalidEnvelope(
  request: RequestDescription,
  where: string,
  problem: string,
): ChatHistoryError {
  return new ChatHistoryError(
    describeRequest(request, `invalid_response: unexpected page envelope at ${where}: ${problem}`),
    { ...request, code: 'invalid_response', retryable: false },
  );
}

/**
 * A listing that cannot go on as the vendor answers (a page too large, a vendor that does not
 * advance, a record that cannot be mapped): `cursor` is where the failed page starts.
 */
export function invalidListing(
  source: string,
  problem: string,
  cursor: JsonObject,
  cause?: unknown,
): ChatHistoryError {
  return new ChatHistoryError(`${source}: ${problem}`, {
    code: 'invalid_response',
    source,
    retryable: false,
    cursor,
    cause,
  });
}
