import { ChatHistoryError } from '../errors/chat-history-error.js';
import { describeRequest, type RequestDescription, refusal } from '../errors/request-error.js';
import type { Redactor } from '../text/redact.js';
import { safeText } from '../text/safe-text.js';

/**
 * Most JSON objects and arrays one response body may hold. Parsing multiplies small containers
 * about thirty-fold in memory (31 MiB of `{},` parse into ~1 GB), so a body that fits
 * `maxResponseBytes` could still exhaust memory; this bound keeps a parse in the tens of MB.
 * Real pages hold a few dozen containers per record.
 */
export const MAX_JSON_CONTAINERS = 250_000;

/** Parses a response body, refusing one with too many containers or that is not JSON. */
export function parseJsonBody(
  body: string,
  request: RequestDescription,
  status: number,
  redact: Redactor,
): unknown {
  if (exceedsContainers(body, MAX_JSON_CONTAINERS)) {
    throw refusal(
      request,
      status,
      `the body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays (a page stuffed with records)`,
    );
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    const start = body.trimStart().slice(0, 1);
    const hint = start === '<' ? 'an HTML page' : body.trim() === '' ? 'an empty body' : 'not JSON';
    // The parser's message quotes the body: keep it only redacted, escaped and short.
    const detail = error instanceof Error ? error.message : String(error);
    const cause = new SyntaxError(safeText(redact(detail)));
    cause.stack = `SyntaxError: ${cause.message}`;
    throw new ChatHistoryError(
      describeRequest(request, `${status} invalid_response: the body is ${hint}`),
      {
        ...request,
        code: 'invalid_response',
        status,
        cause,
      },
    );
  }
}

/**
 * Whether the JSON text opens more than `limit` objects and arrays. Every container takes at
 * least two characters, so shorter bodies are not scanned. A count of every bracket (native
 * `indexOf`, fast) settles almost every body; only one with that many brackets is scanned again,
 * skipping brackets inside strings (code, JSON stored as text), which are no containers.
 */
function exceedsContainers(body: string, limit: number): boolean {
  if (body.length <= limit * 2) return false;
  let brackets = 0;
  for (const bracket of ['{', '[']) {
    for (
      let at = body.indexOf(bracket);
      at >= 0 && brackets <= limit;
      at = body.indexOf(bracket, at + 1)
    ) {
      brackets += 1;
    }
  }
  if (brackets <= limit) return false;
  let containers = 0;
  let inString = false;
  for (let index = 0; index < body.length; index++) {
    const code = body.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      containers += 1;
      if (containers > limit) return true;
    }
  }
  return false;
}
