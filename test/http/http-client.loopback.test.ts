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
