import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatHistoryError,
  createHttpClient,
  cursorStrategy,
  type OpaqueCursor,
  paginate,
} from '../../src/index.js';
import { createRedactor, SECRET_FRAGMENT_LENGTH } from '../../src/text/redact.js';
import { caught } from '../helpers/caught.js';
import {
  CHATBOT,
  expectNoFragment,
  KEY,
  okchatMessage,
  okchatPage,
  okchatSource,
  runCliInProcess,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

/** Every way an error can be shown: message, stack, cause chain, toJSON(), util.inspect. */
function everythingShown(error: ChatHistoryError): string {
  const causes: string[] = [];
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    causes.push(cause.message, String(cause.stack));
  }
  return [
    error.message,
    String(error.stack),
    JSON.stringify(error.toJSON()),
    JSON.stringify(error.cursor ?? null),
    inspect(error, { depth: 20 }),
    ...causes,
  ].join('\n');
}

const cli = runCliInProcess;

describe('no 8 consecutive characters of the key reach an error', () => {
  it('a vendor that echoes the key in an invalid record id', async () => {
    const vendor = await servers.start((_request, response) =>
      sendJson(response, okchatPage([okchatMessage(`id-${KEY}-x`, { created_at: 'bad' })])),
    );
    const error = await caught(okchatSource(vendor.url).listMessages('c-1').toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('invalid record "id-[REDACTED]-x"');
    expectNoFragment(everythingShown(error));
  });

  it('a timestamp preview cut mid-key (16 of its characters before the cut)', async () => {
    const date = `${'x'.repeat(24)}${KEY}`;
    const vendor = await servers.start((_request, response) =>
      sendJson(response, okchatPage([okchatMessage('m-1', { created_at: date })])),
    );
    const error = await caught(okchatSource(vendor.url).listMessages('c-1').toArray());
    expect(error.message).toContain('not an ISO-8601 timestamp');
    expectNoFragment(everythingShown(error));
  });

  it('a body that is not JSON and starts with the key (the parser quotes it)', async () => {
    const vendor = await servers.start((_request, response) => sendJson(response, `${KEY} oops`));
    const error = await caught(okchatSource(vendor.url).listMessages('c-1').toArray());
    expect(error.code).toBe('invalid_response');
    expect((error.cause as Error).name).toBe('SyntaxError');
    expectNoFragment(everythingShown(error));
  });

  it('an error body that echoes the key in halves and fragments', async () => {
    const echo = `${KEY.slice(0, 14)} and ${KEY.slice(14)} and ${KEY.slice(5, 13)}`;
    const vendor = await servers.start((_request, response) =>
      sendJson(response, JSON.stringify({ error: echo }), 401),
    );
    const error = await caught(okchatSource(vendor.url).listMessages('c-1').toArray());
    expect(error.code).toBe('unauthorized');
    expectNoFragment(everythingShown(error));
  });

  it('a cursor in which the vendor echoes the key is redacted in error.cursor', async () => {
    const vendor = await servers.start((request, response) => {
      if (request.url?.includes('cursor=')) {
        sendJson(response, '{"error":"gone"}', 500);
        return;
      }
      sendJson(response, JSON.stringify({ items: [{ id: 'a' }], next: `next-${KEY}` }));
    });
    const http = createHttpClient({
      source: 'acme',
      baseURL: vendor.url,
      headers: { authorization: `Bearer ${KEY}` },
      secrets: [KEY],
      retry: false,
    });
    const listing = paginate<OpaqueCursor, { nextCursor: string | null | undefined }, string>({
      source: 'acme',
      strategy: cursorStrategy(),
      defaultPageSize: 10,
      redact: http.redact,
      async fetchPage(cursor, { signal }) {
        const body = (await http.getJson('/items', {
          query: { cursor: cursor.cursor ?? undefined },
          signal,
        })) as { items: unknown[]; next: string };
        return { records: body.items, info: { nextCursor: body.next } };
      },
      mapRecord: (record) => ({ ok: true, value: (record as { id: string }).id }),
      keyOf: (id) => id,
    });
    const error = await caught(listing.toArray());
    expect(error.code).toBe('server_error');
    expect(error.cursor).toEqual({ cursor: 'next-[REDACTED]', limit: 10 });
    expectNoFragment(everythingShown(error));
  });
});

describe('no 8 consecutive characters of the key reach an error of the HTTP client itself', () => {
  it('a path built from an id that holds the key', async () => {
    const vendor = await servers.start((_request, response) => sendJson(response, '{}', 404));
    const http = createHttpClient({
      source: 'acme',
      baseURL: vendor.url,
      headers: { 'x-api-key': KEY },
      secrets: [KEY],
    });
    const error = await caught(http.getJson(`/chats/${KEY}/messages`));
    expect(error.code).toBe('not_found');
    expect(error.path).toBe('/chats/[REDACTED]/messages');
    expectNoFragment(everythingShown(error));
  });

  it('a redirect to a host named after the key, which URL parsers lower-case', async () => {
    const upper = 'SK-LIVE-ABCDEFGHIJKLMNOP';
    const vendor = await servers.start((_request, response) => {
      response.writeHead(302, { location: `https://${upper}.evil.example/` });
      response.end();
    });
    const error = await caught(
      okchatSource(vendor.url, { apiKey: upper }).listMessages('c').toArray(),
    );
    expect(error.message).toContain('redirect to "https://[REDACTED]');
    expectNoFragment(everythingShown(error).toUpperCase(), upper);
  });
});

describe('no 8 consecutive characters of the key reach the CLI output', () => {
  it.each([
    [[KEY]],
    [['export', KEY]],
    [['export', '--format', KEY]],
    [['export', '--concurrency', KEY]],
    [['export', `--${KEY}`]],
    [['export', '--okchat-api-key', KEY, '--source', KEY]],
    [['export', `--chats-v1-api-key=${KEY}`, '--format', KEY]],
  ])('usage errors echoing the key: %j', async (args) => {
    const { code, output } = await cli(args, { OKCHAT_API_KEY: KEY });
    expect(code).toBe(2);
    expectNoFragment(output);
    const fromFlag = await cli(args, {});
    if (args.some((arg) => arg.includes('api-key'))) expectNoFragment(fromFlag.output);
  });

  it.each([[[]], [['--debug']]])(
    'an unparseable OKCHAT_BASE_URL that holds the key (%j)',
    async (flags) => {
      const { code, output } = await cli(['export', '--source', 'okchat', ...flags], {
        OKCHAT_API_KEY: KEY,
        OKCHAT_CHATBOT_ID: CHATBOT,
        OKCHAT_BASE_URL: `${KEY} is my key`,
      });
      expect(code).toBe(2);
      expect(output).toContain(
        'baseURL must be an absolute http(s) URL, got "[REDACTED] is my key"',
      );
      expectNoFragment(output);
    },
  );

  it.each([[[]], [['--debug']]])(
    'a body that is not JSON and starts with the key (%j)',
    async (flags) => {
      const vendor = await servers.start((_request, response) =>
        sendJson(response, `${KEY.slice(0, 12)}`),
      );
      const { code, output } = await cli(['export', '--source', 'okchat', ...flags], {
        OKCHAT_API_KEY: KEY,
        OKCHAT_CHATBOT_ID: CHATBOT,
        OKCHAT_BASE_URL: vendor.url,
      });
      expect(code).toBe(1);
      expect(output).toContain('invalid_response');
      if (flags.length > 0) expect(output).toContain('"cause"');
      expectNoFragment(output);
    },
  );

  it('a key given by flag is redacted just as one from the environment (export)', async () => {
    const { output } = await cli(
      ['export', '--okchat-api-key', KEY, '--okchat-chatbot-id', CHATBOT, '--okchat-base-url', KEY],
      {},
    );
    expectNoFragment(output);
  });
});

describe('the redactor', () => {
  it('leaves no fragment of the key in any text, wherever fragments are spliced in', () => {
    const redact = createRedactor([KEY]);
    const fragment = fc
      .tuple(
        fc.integer({ min: 0, max: KEY.length - SECRET_FRAGMENT_LENGTH }),
        fc.integer({ min: SECRET_FRAGMENT_LENGTH, max: KEY.length }),
      )
      .map(([start, length]) => KEY.slice(start, start + length));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fragment), { maxLength: 12 }), (parts) => {
        const redacted = redact(parts.join(''));
        for (let start = 0; start + SECRET_FRAGMENT_LENGTH <= KEY.length; start++) {
          if (redacted.includes(KEY.slice(start, start + SECRET_FRAGMENT_LENGTH))) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('keeps text without fragments exactly as it is', () => {
    const redact = createRedactor([KEY]);
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(![...Array(KEY.length - 7).keys()].some((i) => text.includes(KEY.slice(i, i + 8))));
        return redact(text) === text;
      }),
      { numRuns: 500 },
    );
  });
});
