import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatHistoryError } from '../../src/index.js';
import { cursorStrategy } from '../../src/paginate/cursor-strategy.js';
import { defineVendor, type SourceOptions } from '../../src/providers/define-vendor.js';
import { timestampField } from '../../src/providers/map-record.js';
import { caught } from '../helpers/caught.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

interface AcmeOptions extends SourceOptions {
  token: string;
}

const THREADS = [
  { id: 't1', at: 100 },
  { id: 't2', at: 200 },
  { id: 't3', at: 300 },
];

/**
 * A vendor that lists threads by GET, searches them by POST, and returns a thread's messages in
 * one envelope whose time the first message takes, with events shown only when asked.
 */
const acme = defineVendor<AcmeOptions>()({
  id: 'acme',
  name: 'Acme',
  options: { token: { label: 'token', required: true, secret: true } },
  headers: (options) => ({ authorization: `Bearer ${options.token}` }),
  account: () => 'default',
  strategy: cursorStrategy(),
  conversations: {
    filters: { updatedSince: true },
    request: ({ cursor, updatedSince }) =>
      updatedSince === undefined
        ? { path: '/threads', query: { after: cursor.cursor ?? undefined } }
        : {
            method: 'POST',
            path: '/threads/search',
            body: { since: updatedSince, after: cursor.cursor },
          },
    envelope: z.object({ threads: z.array(z.unknown()), next: z.string().nullish() }),
    readPage: (page) => ({ records: page.threads, info: { nextCursor: page.next } }),
    record: z.object({ id: z.string(), at: z.number() }),
    map: (wire, raw, context) => ({
      id: wire.id,
      source: context.source,
      account: context.account,
      botId: null,
      channel: null,
      state: null,
      active: null,
      humanHandoff: false,
      participant: { externalId: null, userId: null, anonymous: null },
      createdAt: timestampField('at', wire.at, 'seconds'),
      updatedAt: null,
      lastMessage: null,
      recording: null,
      metadata: {},
      raw,
    }),
  },
  messages: {
    request: ({ conversationId }) => ({ path: `/threads/${conversationId}` }),
    envelope: z.object({ opened_at: z.number(), items: z.array(z.unknown()) }),
    readPage: (page, request) => ({
      records: request.includeEvents
        ? page.items
        : page.items.filter((item) => (item as { text?: unknown }).text !== undefined),
      info: { nextCursor: null },
    }),
    record: z.object({ id: z.string(), text: z.string().optional(), at: z.number().optional() }),
    // A default value (or a wrapper) hides the fourth parameter from `map.length`: the envelope
    // still arrives.
    map: (wire, raw, context, envelope = undefined) => ({
      id: wire.id,
      conversationId: context.conversationId,
      source: context.source,
      account: context.account,
      role: wire.text === undefined ? 'system' : 'user',
      text: wire.text ?? '',
      attachments: [],
      createdAt: timestampField('at', wire.at ?? envelope?.opened_at ?? -1, 'seconds'),
      model: null,
      provider: null,
      usage: null,
      toolCalls: [],
      toolResults: [],
      metadata: {},
      raw,
    }),
  },
});

/** The ChatHistoryError a call throws at once, before any request. */
function thrown(call: () => unknown): ChatHistoryError {
  try {
    call();
  } catch (error) {
    if (ChatHistoryError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ChatHistoryError');
}

describe('defineVendor: POST listings, caller filters and envelopes', () => {
  let server: LoopbackServer;
  const bodies: unknown[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://x');
        response.setHeader('content-type', 'application/json');
        if (request.method === 'POST' && url.pathname === '/threads/search') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          bodies.push(body);
          const since = Date.parse(body.since) / 1000;
          const matching = THREADS.filter((thread) => thread.at >= since);
          const from = body.after === null ? 0 : Number(body.after);
          response.end(
            JSON.stringify({
              threads: matching.slice(from, from + 1),
              next: from + 1 < matching.length ? String(from + 1) : null,
            }),
          );
          return;
        }
        if (url.pathname === '/threads/t1') {
          response.end(
            JSON.stringify({
              opened_at: 50,
              items: [
                { id: 'm0', text: 'opening' },
                { id: 'e1' },
                { id: 'm1', text: 'hi', at: 60 },
              ],
            }),
          );
          return;
        }
        response.end(JSON.stringify({ threads: THREADS, next: null }));
      });
    });
  });
  afterAll(() => server.close());

  const source = () => acme.createSource({ token: 'tok-secret-123', baseURL: server.url });

  it('declares the updatedSince filter as a capability and sends the search as a POST', async () => {
    expect(source().capabilities.filterConversationsByUpdatedSince).toBe(true);
    const found = await source()
      .listConversations({ updatedSince: '1970-01-01T00:03:20+00:00' })
      .toArray();
    expect(found.map((thread) => thread.id)).toEqual(['t2', 't3']);
    // The filter reaches the request in the canonical form; the cursor follows across POSTs.
    expect(bodies).toEqual([
      { since: '1970-01-01T00:03:20.000000Z', after: null },
      { since: '1970-01-01T00:03:20.000000Z', after: '1' },
    ]);
    const posts = server.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[0]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('refuses an updatedSince that is not a timestamp, at the call', () => {
    for (const bad of ['yesterday', '2025-02-30T00:00:00Z', 1_700_000_000, null]) {
      const error = thrown(() => source().listConversations({ updatedSince: bad as string }));
      expect(error).toMatchObject({ code: 'bad_request', source: 'acme' });
      expect(error.message).toMatch(/updatedSince must be an ISO 8601 timestamp/);
    }
  });

  it("gives the mapper its page's envelope, and readPage the caller's includeEvents", async () => {
    const messages = await source().listMessages('t1').toArray();
    expect(messages.map((message) => [message.id, message.createdAt])).toEqual([
      ['m0', '1970-01-01T00:00:50.000000Z'],
      ['m1', '1970-01-01T00:01:00.000000Z'],
    ]);
    const withEvents = await source().listMessages('t1', { includeEvents: true }).toArray();
    expect(withEvents.map((message) => `${message.id}:${message.role}`)).toEqual([
      'm0:user',
      'e1:system',
      'm1:user',
    ]);
    const error = thrown(() =>
      source().listMessages('t1', { includeEvents: 'yes' as unknown as boolean }),
    );
    expect(error).toMatchObject({ code: 'bad_request' });
  });

  it('a malformed answer to a POST names the POST', async () => {
    const broken = await startLoopbackServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ threads: 'nope' }));
    });
    try {
      const error = await caught(
        acme
          .createSource({ token: 'tok-secret-123', baseURL: broken.url })
          .listConversations({ updatedSince: '2025-01-01T00:00:00Z' })
          .toArray(),
      );
      expect(error.code).toBe('invalid_response');
      expect(error.message).toMatch(/^POST \/threads\/search -> invalid_response/);
    } finally {
      await broken.close();
    }
  });

  it('maps a record on its own, without a page, with no envelope', () => {
    const listing = acme.messages;
    const context = { source: 'acme', account: 'default', conversationId: 't1' };
    expect(listing?.mapRecord({ id: 'm1', text: 'x', at: 60 }, context)).toMatchObject({
      ok: true,
    });
    const alone = listing?.mapRecord({ id: 'm0', text: 'x' }, context);
    expect(alone).toMatchObject({ ok: false, issues: [{ path: ['at'] }] });
  });
});
