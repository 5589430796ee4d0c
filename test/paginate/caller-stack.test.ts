import { afterEach, describe, expect, it } from 'vitest';
import type { Conversation, Paginated } from '../../src/index.js';
import { caught } from '../helpers/caught.js';
import { okchatConversation, okchatSource, Servers, sendJson } from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

/** Page 1 answers (with 3 pages announced), every later page fails: errors of prefetched pages. */
async function failingListing(): Promise<Paginated<Conversation>> {
  const vendor = await servers.start((request, response) => {
    if (request.url?.includes('page=1&')) {
      sendJson(
        response,
        JSON.stringify({
          data: [okchatConversation('c-1')],
          metadata: { currentPage: 1, totalPages: 3, totalCount: 3 },
        }),
      );
      return;
    }
    sendJson(response, '{"error":"down"}', 503);
  });
  return okchatSource(vendor.url, { retry: false }).listConversations({
    pageSize: 1,
    concurrency: 3,
  });
}

// Uniquely named callers, so their frames can be looked for in the stack.
async function iterateWithForAwait(listing: Paginated<Conversation>) {
  for await (const _conversation of listing) {
    // reading
  }
}
async function iterateByPages(listing: Paginated<Conversation>) {
  for await (const _page of listing.pages()) {
    // reading
  }
}
async function collectWithToArray(listing: Paginated<Conversation>) {
  return listing.toArray();
}
async function collectWithTake(listing: Paginated<Conversation>) {
  return listing.take(3).toArray();
}

describe('an error met while iterating names the caller in its stack', () => {
  it.each([
    ['for await', iterateWithForAwait],
    ['.pages()', iterateByPages],
    ['.toArray()', collectWithToArray],
    ['.take(n)', collectWithTake],
  ] as const)('%s', async (_name, iterate) => {
    const error = await caught(iterate(await failingListing()));
    expect(error.code).toBe('server_error');
    expect(error.stack).toContain(`at ${iterate.name} (`);
    expect(error.stack).toContain('caller-stack.test.ts');
  });

  it('.first()', async () => {
    const vendor = await servers.start((_request, response) =>
      sendJson(response, '{"error":"down"}', 503),
    );
    async function askForTheFirst() {
      return okchatSource(vendor.url, { retry: false }).listConversations().first();
    }
    const error = await caught(askForTheFirst());
    expect(error.stack).toContain('at askForTheFirst (');
  });
});
