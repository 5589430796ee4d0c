import type { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientOptions } from '../../src/index.js';
import { caught } from '../helpers/caught.js';
import { type LoopbackServer, startLoopbackServer } from '../helpers/loopback-server.js';

const API_KEY = 'lb-7f3a9c1e5b-d41e08';
let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(baseURL: string, overrides: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    source: 'loopback',
    baseURL,
    headers: { 'x-api-key': API_KEY },
    secrets: [API_KEY],
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10 },
    ...overrides,
  });
}

describe('http client over real loopback HTTP', () => {
  it('GETs JSON with the auth header', async () => {
    server = await startLoopbackServer((request, response) => {
      const authorized = request.headers['x-api-key'] === API_KEY;
      response.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ path: request.url }));
    });
    expect(await client(server.url).getJson('/a/b', { query: { page: 1 } })).toEqual({
      path: '/a/b?page=1',
    });
  });

  it('a response slower than the timeout fails with code timeout, retried as configured', async () => {
    server = await startLoopbackServer(() => {
      // Never answers.
    });
    const error = await caught(
      client(server.url, { timeout: 100, retry: { retries: 1, baseDelayMs: 1 } }).getJson('/slow'),
    );
    expect(error.code).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(2);
    expect(error.message).toBe('GET /slow -> timeout after 100 ms (loopback) after 2 attempts');
    expect(server.requests).toHaveLength(2);
  });

  it('a body that stalls past the timeout also times out', async () => {
    server = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data": [');
    });
    const error = await caught(
      client(server.url, { timeout: 100, retry: false }).getJson('/stall'),
    );
    expect(error.code).toBe('timeout');
  });

  it('a dropped connection is retried and the export goes on', async () => {
    server = await startLoopbackServer((request, response, index) => {
      if (index === 0) {
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    expect(await client(server.url).getJson('/flaky')).toEqual({ ok: true });
    expect(server.requests).toHaveLength(2);
  });

  it('connections dropped every time end in a secret-free network error', async () => {
    server = await startLoopbackServer((request) => request.socket.destroy());
    const error = await caught(client(server.url).getJson('/down'));
    expect(error.code).toBe('network');
    expect(error.attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(JSON.stringify(error)).not.toContain(API_KEY);
  });

  it('nothing listening is a network error', async () => {
    server = await startLoopbackServer(() => undefined);
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await caught(client(url, { retry: false }).getJson('/gone'));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/^GET \/gone -> network error: .*ECONNREFUSED/);
  });

  it('an abort while the request is in flight ends it with code aborted', async () => {
    server = await startLoopbackServer(() => {
      // Never answers.
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await caught(
      client(server.url, { timeout: 60_000 }).getJson('/wait', { signal: controller.signal }),
    );
    expect(error.code).toBe('aborted');
    expect(server.requests).toHaveLength(1);
  });
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => resolve(text));
  });
}

const QUERY = { query: { field: 'updated_at', operator: '>', value: 1700000000 } };

describe('JSON POST over real loopback HTTP', () => {
  it('sends the body as JSON with the auth header and returns the parsed answer', async () => {
    const bodies: string[] = [];
    server = await startLoopbackServer(async (request, response) => {
      bodies.push(await readBody(request));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, url: request.url }));
    });
    const answer = await client(server.url).postJson('/conversations/search', QUERY, {
      query: { x: 1 },
    });
    expect(answer).toEqual({ method: 'POST', url: '/conversations/search?x=1' });
    expect(bodies.map((body) => JSON.parse(body))).toEqual([QUERY]);
    const [request] = server.requests;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-api-key']).toBe(API_KEY);
    expect(request?.headers.accept).toBe('application/json');
  });

  it('retries a 503 with the same body, and a 429 after the X-RateLimit-Reset it was told', async () => {
    const bodies: string[] = [];
    server = await startLoopbackServer(async (request, response, index) => {
      bodies.push(await readBody(request));
      if (index === 0) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end('{}');
      } else if (index === 1) {
        // Seconds left (below 1e9): wait 0 s.
        response.writeHead(429, { 'x-ratelimit-reset': '0' });
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      }
    });
    expect(await client(server.url).postJson('/search', QUERY)).toEqual({ ok: true });
    expect(bodies).toEqual([JSON.stringify(QUERY), JSON.stringify(QUERY), JSON.stringify(QUERY)]);
    expect(server.requests.map((request) => request.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('a 429 without Retry-After takes its wait from X-RateLimit-Reset (Unix seconds)', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    server = await startLoopbackServer((_request, response) => {
      response.writeHead(429, { 'x-ratelimit-reset': String(reset) });
      response.end();
    });
    const error = await caught(client(server.url, { retry: false }).postJson('/search', QUERY));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(55_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('follows a 307 within the origin with the body, and refuses a 302 that would drop it', async () => {
    const seen: { method: string; url: string; body: string }[] = [];
    server = await startLoopbackServer(async (request, response) => {
      const body = await readBody(request);
      seen.push({ method: request.method ?? '', url: request.url ?? '', body });
      if (request.url === '/old') {
        response.writeHead(307, { location: '/new' });
        response.end();
      } else if (request.url === '/moved') {
        response.writeHead(302, { location: '/new' });
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      }
    });
    expect(await client(server.url).postJson('/old', QUERY)).toEqual({ ok: true });
    expect(seen).toEqual([
      { method: 'POST', url: '/old', body: JSON.stringify(QUERY) },
      { method: 'POST', url: '/new', body: JSON.stringify(QUERY) },
    ]);
    const error = await caught(client(server.url).postJson('/moved', QUERY));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('would drop the request body');
    expect(seen).toHaveLength(3);
  });

  it("quotes the vendor's error list, never the token", async () => {
    server = await startLoopbackServer((_request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          type: 'error.list',
          errors: [{ code: 'unauthorized', message: `Access Token Invalid: ${API_KEY}` }],
        }),
      );
    });
    const error = await caught(client(server.url).postJson('/search', QUERY));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/^POST \/search -> 401 unauthorized .*: Access Token Invalid/);
    expect(error.message).not.toContain(API_KEY.slice(3, 13));
  });

  it('a body that is not JSON-writable is bad_request before anything is sent', async () => {
    server = await startLoopbackServer((_request, response) => response.end('{}'));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = await caught(
      client(server.url).postJson('/search', cyclic as unknown as Record<string, never>),
    );
    expect(error.code).toBe('bad_request');
    expect(server.requests).toHaveLength(0);
  });
});
