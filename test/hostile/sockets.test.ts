import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IN_FLIGHT_REQUESTS } from '../../src/http/request-gate.js';
import {
  CHATBOT,
  KEY,
  okchatConversation,
  okchatSource,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

const LISTINGS = 1000;

/**
 * A vendor that answers each request after a few milliseconds (so requests pile up), with two
 * pages of one conversation each, and counts what it sees at once: requests and open sockets.
 */
async function startCountingVendor() {
  const seen = { inFlight: 0, maxInFlight: 0, sockets: 0, maxSockets: 0 };
  const vendor = await servers.start((request, response) => {
    seen.inFlight += 1;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    const page = new URL(request.url ?? '/', 'http://x').searchParams.get('page');
    setTimeout(() => {
      seen.inFlight -= 1;
      sendJson(
        response,
        JSON.stringify({
          data: [okchatConversation(`c-${page}`)],
          metadata: { currentPage: Number(page), totalPages: 2, totalCount: 2 },
        }),
      );
    }, 3);
  });
  return { vendor, seen };
}

describe('requests in flight are capped per source', () => {
  it(`${LISTINGS} parallel listings on one source all complete, never more than ${DEFAULT_MAX_IN_FLIGHT_REQUESTS} requests in flight`, async () => {
    const { vendor, seen } = await startCountingVendor();
    const source = okchatSource(vendor.url);
    const results = await Promise.all(
      Array.from({ length: LISTINGS }, () =>
        source.listConversations({ pageSize: 1, concurrency: 2 }).toArray(),
      ),
    );
    expect(results.every((listing) => listing.length === 2)).toBe(true);
    expect(vendor.requests).toHaveLength(2 * LISTINGS);
    expect(seen.maxInFlight).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT_REQUESTS);
    expect(seen.maxInFlight).toBeGreaterThan(DEFAULT_MAX_IN_FLIGHT_REQUESTS / 2);
  });

  it('maxInFlightRequests sets the cap', async () => {
    const { vendor, seen } = await startCountingVendor();
    const source = okchatSource(vendor.url, { maxInFlightRequests: 5 });
    await Promise.all(
      Array.from({ length: 100 }, () =>
        source.listConversations({ pageSize: 1, concurrency: 2 }).toArray(),
      ),
    );
    expect(seen.maxInFlight).toBeLessThanOrEqual(5);
    expect(seen.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it(`under a 256-descriptor limit (the macOS default), ${LISTINGS} parallel listings complete`, async () => {
    const { vendor } = await startCountingVendor();
    const dist = join(import.meta.dirname, '..', '..', 'dist', 'index.js');
    const script = `
      const { createOkChatSource } = await import(${JSON.stringify(dist)});
      const source = createOkChatSource({
        apiKey: ${JSON.stringify(KEY)}, chatbotId: ${JSON.stringify(CHATBOT)},
        baseURL: ${JSON.stringify(vendor.url)}, retry: false,
      });
      const listings = await Promise.all(Array.from({ length: ${LISTINGS} }, () =>
        source.listConversations({ pageSize: 1, concurrency: 2 }).toArray()));
      console.log(listings.reduce((sum, listing) => sum + listing.length, 0));
    `;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        'bash',
        ['-c', 'ulimit -n 256 && exec "$0" --input-type=module -e "$1"', process.execPath, script],
        { timeout: 60_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(stderr || String(error))) : resolve(stdout),
      );
    });
    expect(output.trim()).toBe(String(2 * LISTINGS));
  });
});
