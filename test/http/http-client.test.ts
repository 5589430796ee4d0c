import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { encodePathSegment } from '../../src/http/encode-path-segment.js';
import {
  ChatHistoryError,
  createHttpClient,
  type HttpClientOptions,
  VERSION,
} from '../../src/index.js';
import { caught } from '../helpers/caught.js';

const BASE = 'https://vendor.test/base';
const API_KEY = 'sk-test-0123456789abcdef-SECRET';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(overrides: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    source: 'test',
    baseURL: BASE,
    headers: { 'x-api-key': API_KEY },
    secrets: [API_KEY],
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 20 },
    ...overrides,
  });
}

function expectNoSecret(error: ChatHistoryError) {
  expect(error.message).not.toContain(API_KEY);
  expect(JSON.stringify(error)).not.toContain(API_KEY);
  expect(String(error.stack)).not.toContain(API_KEY);
  expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
}

/** Answers with each response in turn (the last one repeats) and counts requests. */
function sequence(...responses: Array<() => Response>) {
  const seen: Request[] = [];
  const handler = http.get(`${BASE}/items`, ({ request }) => {
    seen.push(request);
    const next = responses[Math.min(seen.length - 1, responses.length - 1)];
    if (next === undefined) throw new Error('no response');
    return next();
  });
  server.use(handler);
  return seen;
}

describe('http client: requests', () => {
  it('sends auth, accept and user-agent headers and the query, relative to the base URL', async () => {
    const seen = sequence(() => HttpResponse.json({ ok: true }));
    const body = await client().getJson('/items', {
      query: { page: 2, limit: 50, state: undefined },
    });
    expect(body).toEqual({ ok: true });
    const request = seen[0];
    expect(request?.url).toBe(`${BASE}/items?page=2&limit=50`);
    expect(request?.headers.get('x-api-key')).toBe(API_KEY);
    expect(request?.headers.get('accept')).toBe('application/json');
    expect(request?.headers.get('user-agent')).toBe(`chat-history-kit/${VERSION}`);
  });

  it('VERSION matches package.json', () => {
    expect(VERSION).toBe(packageJson.version);
  });

  it('uses a caller-supplied fetch', async () => {
    const calls: string[] = [];
    const body = await client({
      fetch: async (input) => {
        calls.push(String(input instanceof Request ? input.url : input));
        return Response.json({ from: 'custom' });
      },
    }).getJson('/items', { query: { a: 1 } });
    expect(body).toEqual({ from: 'custom' });
    expect(calls).toEqual([`${BASE}/items?a=1`]);
  });

  it('ids are encoded into one path segment and cannot leave the base URL', async () => {
    const seen: string[] = [];
    server.use(
      http.get('https://vendor.test/*', ({ request }) => {
        seen.push(request.url);
        return HttpResponse.json({});
      }),
    );
    const id = encodePathSegment('../../admin?x=1#frag with space/', 'conversationId', 'test');
    await client().getJson(`/conversations/${id}/messages`);
    expect(seen).toEqual([
      `${BASE}/conversations/..%2F..%2Fadmin%3Fx%3D1%23frag%20with%20space%2F/messages`,
    ]);
  });

  it.each(['', '.', '..'])('refuses %j as a path segment', (id) => {
    expect(() => encodePathSegment(id, 'conversationId', 'test')).toThrow(ChatHistoryError);
  });
});

describe('http client: errors', () => {
  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [400, 'bad_request'],
    [422, 'bad_request'],
  ] as const)('%i -> %s, not retried', async (status, code) => {
    const seen = sequence(() => HttpResponse.json({ error: 'nope' }, { status }));
    const error = await caught(client().getJson('/items', { query: { page: 1 } }));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(false);
    expect(error.source).toBe('test');
    expect(error.message).toBe(`GET /items -> ${status} ${code} (test): nope`);
    expect(seen).toHaveLength(1);
    expectNoSecret(error);
  });

  it('retries 5xx and succeeds', async () => {
    const seen = sequence(
      () => new HttpResponse(null, { status: 503 }),
      () => new HttpResponse(null, { status: 502 }),
      () => new HttpResponse(null, { status: 500 }),
      () => HttpResponse.json({ done: true }),
    );
    expect(await client().getJson('/items')).toEqual({ done: true });
    expect(seen).toHaveLength(4);
  });

  it('gives up after the configured retries with a retryable error naming the attempts', async () => {
    const seen = sequence(() => new HttpResponse('down', { status: 500 }));
    const error = await caught(client({ retry: { retries: 2, baseDelayMs: 1 } }).getJson('/items'));
    expect(error.code).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.message).toBe('GET /items -> 500 server_error (test) after 3 attempts');
    expect(seen).toHaveLength(3);
  });

  it('retry: false sends one request', async () => {
    const seen = sequence(() => new HttpResponse(null, { status: 503 }));
    const error = await caught(client({ retry: false }).getJson('/items'));
    expect(error.code).toBe('server_error');
    expect(seen).toHaveLength(1);
  });

  it('429 waits as long as Retry-After says, then succeeds', async () => {
    const seen = sequence(
      () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '0.2' } }),
      () => HttpResponse.json({ ok: 1 }),
    );
    const started = performance.now();
    expect(
      await client({ retry: { retries: 1, baseDelayMs: 0, maxDelayMs: 5_000 } }).getJson('/items'),
    ).toEqual({ ok: 1 });
    // Backoff is 0 here, so only Retry-After can explain a wait this long.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(seen).toHaveLength(2);
  });

  it('a 429 that outlasts the retries is rate_limited with the asked delay', async () => {
    sequence(() => new HttpResponse(null, { status: 429, headers: { 'retry-after': '0' } }));
    const error = await caught(client({ retry: 1 }).getJson('/items'));
    expect(error.code).toBe('rate_limited');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(0);
  });

  it('an abort while waiting out Retry-After ends at once and sends nothing more', async () => {
    const seen = sequence(
      () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '20' } }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = performance.now();
    const error = await caught(
      client({ retry: { retries: 3, maxDelayMs: 60_000 } }).getJson('/items', {
        signal: controller.signal,
      }),
    );
    expect(error.code).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(seen).toHaveLength(1);
  });

  it('network errors are retried, then reported as network with a sanitized cause', async () => {
    const seen = sequence(() => HttpResponse.error());
    const error = await caught(client({ retry: { retries: 1, baseDelayMs: 1 } }).getJson('/items'));
    expect(error.code).toBe('network');
    expect(error.retryable).toBe(true);
    expect(seen).toHaveLength(2);
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object)).not.toContain('options');
    expectNoSecret(error);
  });

  it.each([
    ['an HTML page', '<!doctype html><html><body>Maintenance</body></html>', 'text/html'],
    ['an empty body', '', 'application/json'],
    ['not JSON', '{"data": [', 'application/json'],
  ])('a 200 with %s is invalid_response, not retried', async (hint, body, type) => {
    const seen = sequence(
      () => new HttpResponse(body, { status: 200, headers: { 'content-type': type } }),
    );
    const error = await caught(client().getJson('/items'));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toBe(`GET /items -> 200 invalid_response: the body is ${hint} (test)`);
    expect(seen).toHaveLength(1);
  });

  it('a vendor that echoes the key back never gets it into the error', async () => {
    sequence(() => HttpResponse.json({ message: `Invalid API key: ${API_KEY}` }, { status: 401 }));
    const error = await caught(client().getJson('/items'));
    expect(error.message).toBe(
      'GET /items -> 401 unauthorized (test): Invalid API key: [REDACTED]',
    );
    expectNoSecret(error);
  });
});

describe('http client: a document without a browser', () => {
  it('under jsdom or happy-dom (a document, but the fetch of Node), a failure is a network error, retried', async () => {
    const scope = globalThis as { document?: unknown; location?: unknown };
    scope.document = {};
    scope.location = { origin: 'http://app.example' };
    try {
      let calls = 0;
      const failing = async () => {
        calls += 1;
        throw new TypeError('fetch failed');
      };
      const error = await caught(client({ fetch: failing }).getJson('/items'));
      expect(error).toMatchObject({ code: 'network', retryable: true });
      expect(error.message).not.toMatch(/Access-Control-Allow-Origin/);
      // Retried, and no CORS probe: Node's fetch enforces no CORS.
      expect(calls).toBe(4);
    } finally {
      delete scope.document;
      delete scope.location;
    }
  });
});

describe('http client: options are checked at creation', () => {
  it.each([
    [{ baseURL: '' }, /baseURL is required/],
    [{ baseURL: 'vendor.test' }, /absolute http\(s\) URL/],
    [{ baseURL: 'ftp://vendor.test' }, /http or https/],
    [{ baseURL: 'https://user:pw@vendor.test' }, /credentials/],
    [{ timeout: 0 }, /timeout/],
    [{ retry: -1 }, /retry.retries/],
  ])('rejects %j', (overrides, message) => {
    expect(() => client(overrides)).toThrow(message);
  });
});
