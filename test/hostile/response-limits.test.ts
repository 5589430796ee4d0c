import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createBrotliCompress, createGzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../src/http/http-client.js';
import { MAX_JSON_CONTAINERS } from '../../src/http/parse-json-body.js';
import { MIN_RECORDS_PER_PAGE_CAP, RECORDS_PER_PAGE_FACTOR } from '../../src/paginate/paginate.js';
import { caught } from '../helpers/caught.js';
import {
  okchatConversation,
  okchatPage,
  okchatSource,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

const MIB = 1024 * 1024;

/** An endless JSON-looking stream: `{"data":[` and then spaces forever, 64 KiB at a time. */
function endless(): Readable {
  let first = true;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return new Readable({
    read() {
      if (first) {
        first = false;
        this.push('{"data":[');
      }
      this.push(chunk);
    },
  });
}

/** Streams `body` to `response` until the client goes away; counts the bytes it managed to send. */
function pour(response: ServerResponse, body: Readable, sent: { bytes: number }): void {
  body.on('data', (chunk: Buffer) => {
    sent.bytes += chunk.length;
  });
  body.pipe(response);
  response.on('close', () => body.destroy());
}

describe('the size of a response body is bounded while it streams', () => {
  it('an endless 200 body is cut off at maxResponseBytes, with a typed error naming the limit', async () => {
    const sent = { bytes: 0 };
    const vendor = await servers.start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      pour(response, endless(), sent);
    });
    const error = await caught(
      okchatSource(vendor.url, { maxResponseBytes: MIB }).listConversations().toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(200);
    expect(error.message).toContain('larger than maxResponseBytes (1048576 bytes = 1 MiB)');
    expect(vendor.requests).toHaveLength(1);
    // The client hung up: the server could not pour more than a few socket buffers more.
    expect(sent.bytes).toBeLessThan(16 * MIB);
  });

  it('the default limit is 32 MiB', async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(32 * MIB);
    const sent = { bytes: 0 };
    const vendor = await servers.start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      pour(response, endless(), sent);
    });
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.message).toContain('larger than maxResponseBytes (33554432 bytes = 32 MiB)');
    expect(sent.bytes).toBeGreaterThan(32 * MIB);
    expect(sent.bytes).toBeLessThan(64 * MIB);
  });

  it('a declared Content-Length over the limit is refused before the body is read', async () => {
    const vendor = await servers.start((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(200 * MIB),
      });
      response.write('{"data":[');
      // ...and never sends the rest: only the header is read.
    });
    const error = await caught(
      okchatSource(vendor.url, { maxResponseBytes: MIB, timeout: 10_000 })
        .listConversations()
        .toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('larger than maxResponseBytes');
  });

  it.each([
    ['gzip', createGzip],
    ['br', createBrotliCompress],
  ] as const)(
    'a %s bomb is counted in decompressed bytes and cut off',
    async (encoding, compress) => {
      const sent = { bytes: 0 };
      const vendor = await servers.start((_request, response) => {
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': encoding,
        });
        const compressed = endless().pipe(compress());
        pour(response, compressed, sent);
      });
      const error = await caught(
        okchatSource(vendor.url, { maxResponseBytes: 4 * MIB })
          .listConversations()
          .toArray(),
      );
      expect(error.code).toBe('invalid_response');
      expect(error.message).toContain('larger than maxResponseBytes (4194304 bytes = 4 MiB)');
      // Spaces compress about 1000 to 1: what crossed the wire is tiny next to what it inflates to.
      expect(sent.bytes).toBeLessThan(MIB);
    },
  );

  it('a body just under the limit is read whole', async () => {
    const records = Array.from({ length: 40 }, (_, index) =>
      okchatConversation(`c-${index}`, { metadata: { note: 'x'.repeat(20_000) } }),
    );
    const body = okchatPage(records);
    const vendor = await servers.start((_request, response) => sendJson(response, body));
    const conversations = await okchatSource(vendor.url, { maxResponseBytes: body.length })
      .listConversations()
      .toArray();
    expect(conversations).toHaveLength(40);
    const error = await caught(
      okchatSource(vendor.url, { maxResponseBytes: body.length - 1 })
        .listConversations()
        .toArray(),
    );
    expect(error.code).toBe('invalid_response');
  });

  it('an endless error body is read only far enough for the vendor message', async () => {
    const sent = { bytes: 0 };
    const vendor = await servers.start((_request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      pour(response, endless(), sent);
    });
    const error = await caught(
      okchatSource(vendor.url, { retry: false }).listConversations().toArray(),
    );
    expect(error.code).toBe('server_error');
    expect(error.message).toBe(
      'GET /api/external/chatbot/bot-1/conversations -> 500 server_error (okchat)',
    );
    expect(sent.bytes).toBeLessThan(16 * MIB);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'maxResponseBytes %s is bad_request at creation',
    (value) => {
      expect(() => okchatSource('http://127.0.0.1:1', { maxResponseBytes: value })).toThrow(
        /maxResponseBytes must be a whole number >= 1/,
      );
    },
  );
});

describe('records per page are bounded relative to the page size asked', () => {
  it(`a page of 1,000,000 empty records is refused before it is parsed (more than ${MAX_JSON_CONTAINERS} containers)`, async () => {
    const body = `{"data":[${'{},'.repeat(999_999)}{}],"metadata":{"totalPages":1}}`;
    const vendor = await servers.start((_request, response) => sendJson(response, body));
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      `the body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays`,
    );
  });

  it('brackets inside strings (code, JSON kept as text) are no containers', async () => {
    // 1,000 records with 400 brackets of text each: 400,000 brackets, a few thousand containers.
    const records = Array.from({ length: 1000 }, (_, index) =>
      okchatConversation(`c-${index}`, { metadata: { code: '{[\\"]}'.repeat(100) } }),
    );
    const vendor = await servers.start((_request, response) =>
      sendJson(response, okchatPage(records)),
    );
    const conversations = await okchatSource(vendor.url)
      .listConversations({ pageSize: 1000 })
      .toArray();
    expect(conversations).toHaveLength(1000);
  });

  it('a page of 1,000,000 records for limit=50 is refused, naming the limit', async () => {
    // Numbers, not objects: few containers, so the record count is what refuses it.
    const body = `{"data":[${'0,'.repeat(999_999)}0],"metadata":{"totalPages":1}}`;
    const vendor = await servers.start((_request, response) => sendJson(response, body));
    const error = await caught(
      okchatSource(vendor.url).listConversations({ pageSize: 50 }).toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `okchat: a page of 1000000 records for a page size of 50 is refused (at most ${MIN_RECORDS_PER_PAGE_CAP}: ${RECORDS_PER_PAGE_FACTOR} x the page size, or ${MIN_RECORDS_PER_PAGE_CAP})`,
    );
    expect(error.cursor).toEqual({ page: 1, limit: 50 });
  });

  it(`a vendor using a larger page size of its own (up to ${RECORDS_PER_PAGE_FACTOR} x) is fine`, async () => {
    const records = Array.from({ length: 1200 }, (_, index) => okchatConversation(`c-${index}`));
    const vendor = await servers.start((_request, response) =>
      sendJson(response, okchatPage(records)),
    );
    const conversations = await okchatSource(vendor.url)
      .listConversations({ pageSize: 300 })
      .toArray();
    expect(conversations).toHaveLength(1200);
    const error = await caught(
      okchatSource(vendor.url).listConversations({ pageSize: 299 }).toArray(),
    );
    expect(error.message).toContain('a page of 1200 records for a page size of 299 is refused');
  });
});
