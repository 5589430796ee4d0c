import { invalidArgument } from '../errors/invalid-argument.js';
import type { Redactor } from '../text/redact.js';
import { quoted } from '../text/safe-text.js';

/**
 * Checks that a base URL is an absolute http(s) URL and returns it without a trailing slash.
 * `redact` scrubs the value from the error when it is not (a key pasted into the wrong variable).
 */
export function validateBaseURL(
  value: unknown,
  source: string,
  redact: Redactor = (text) => text,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidArgument('baseURL is required: an absolute http(s) URL', source);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument(
      `baseURL must be an absolute http(s) URL, got ${quoted(redact(value), 80)}`,
      source,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(
      `baseURL must use http or https, got ${quoted(redact(url.protocol), 20)}`,
      source,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw invalidArgument(
      'baseURL must not carry credentials, a query or a fragment: pass the API key as apiKey',
      source,
    );
  }
  return url.href.replace(/\/+$/, '');
}
