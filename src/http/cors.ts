import { FetchError } from 'ofetch';
import type { FetchFunction } from './http-client.js';

/**
 * The origin of the page or browser worker this runs in, when it is a browser (which enforces
 * CORS); `undefined` on Node, Bun and Deno, even with a `document` (jsdom, happy-dom), whose
 * fetch enforces nothing.
 */
export function pageOrigin(): string | undefined {
  const scope = globalThis as {
    document?: unknown;
    importScripts?: unknown;
    location?: { origin?: unknown };
    process?: { versions?: { node?: unknown } };
  };
  if (typeof scope.process?.versions?.node === 'string') return undefined;
  const inBrowser = scope.document !== undefined || typeof scope.importScripts === 'function';
  const origin = scope.location?.origin;
  return inBrowser && typeof origin === 'string' ? origin : undefined;
}

/**
 * Whether a failed request was refused by the browser's CORS check rather than by the network. A
 * browser tells neither apart (a `TypeError` either way), so a cross-origin failure is probed
 * once with a `no-cors` request (no credentials, no headers, an unreadable answer): if the server
 * answers that, it is reachable, and its answer was blocked for want of CORS headers, which no
 * retry changes. If the probe fails too, the network failed: retried as usual.
 */
export async function refusedByCors(
  error: unknown,
  url: string,
  fetch: FetchFunction,
  signal: AbortSignal,
): Promise<boolean> {
  const underlying = error instanceof FetchError && error.cause !== undefined ? error.cause : error;
  if (!(underlying instanceof TypeError)) return false;
  const origin = pageOrigin();
  if (origin === undefined) return false;
  try {
    if (new URL(url).origin === origin) return false;
    // A no-cors request must follow redirects; its answer is opaque, and nothing is read.
    await fetch(url, { mode: 'no-cors', credentials: 'omit', signal });
    return true;
  } catch {
    return false;
  }
}
