import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConversationSchema,
  createChatsV1Source,
  inferMediaType,
  MessageSchema,
} from '../../src/index.js';
import {
  KEY,
  okchatConversation,
  okchatMessage,
  okchatPage,
  okchatSource,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'] as const;

/** Serves `body` (JSON text, so a `"__proto__"` key stays a key) for every request. */
function serve(body: string) {
  return servers.start((_request, response) => sendJson(response, body));
}

describe('vendor values named like Object.prototype members map like any unknown value', () => {
  it.each(NAMES)('OkChat platform %j is a plain channel string', async (name) => {
    const vendor = await serve(okchatPage([okchatConversation('c-1', { platform: name })]));
    const [conversation] = await okchatSource(vendor.url).listConversations().toArray();
    expect(conversation?.channel).toBe(name.toLowerCase());
    expect(ConversationSchema.parse(conversation)).toEqual(conversation);
  });

  it.each(NAMES)('OkChat sender_type %j is role unknown', async (name) => {
    const vendor = await serve(okchatPage([okchatMessage('m-1', { sender_type: name })]));
    const [message] = await okchatSource(vendor.url).listMessages('c-1').toArray();
    expect(message?.role).toBe('unknown');
    expect(MessageSchema.parse(message)).toEqual(message);
  });

  it.each(NAMES)(
    'Chats v1 sender_role %j, media_type %j and a ".%s" file are unknown values',
    async (name) => {
      const record = {
        id: 'm-1',
        sender_role: name,
        content: 'x',
        media_type: name,
        media_url: `https://cdn.example.com/file.${name}`,
        created_at: '2025-03-05T04:25:58.123Z',
      };
      const vendor = await serve(JSON.stringify({ messages: [record], has_more: false }));
      const source = createChatsV1Source({ apiKey: KEY, baseURL: vendor.url });
      const [message] = await source.listMessages('c-1').toArray();
      expect(message?.role).toBe('unknown');
      expect(message?.attachments).toEqual([
        {
          url: record.media_url,
          name: `file.${name}`,
          mediaType: null,
          kind: 'file',
        },
      ]);
      expect(MessageSchema.parse(message)).toEqual(message);
    },
  );

  it.each(NAMES)('inferMediaType: hint %j and extension .%s give no type', (name) => {
    expect(inferMediaType({ hint: name, name: `a.${name}` })).toEqual({
      mediaType: null,
      kind: 'file',
    });
  });
});

describe('"__proto__" keys in vendor metadata stay ordinary keys', () => {
  // A numeric sns_user_id sends the record down the zod path (the fast path takes strings only).
  const body = `{"data":[{"id":"c-1","created_at":"2025-03-05T04:25:58Z","sns_user_id":42,"metadata":{"__proto__":{"polluted":true},"constructor":"x","plain":1}}],"metadata":{"totalPages":1}}`;

  it('on the zod path, kept as own keys, and nothing is polluted', async () => {
    const vendor = await serve(body);
    const [conversation] = await okchatSource(vendor.url).listConversations().toArray();
    const metadata = conversation?.metadata ?? {};
    expect(Object.keys(metadata)).toEqual(['__proto__', 'constructor', 'plain']);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(conversation?.participant.externalId).toBe('42');
    // The canonical schema keeps them too.
    const parsed = ConversationSchema.parse(conversation);
    expect(Object.keys(parsed.metadata)).toEqual(['__proto__', 'constructor', 'plain']);
  });

  it('on the fast path too, and through MessageSchema.parse', async () => {
    const message = `{"data":[{"id":"m-1","sender_type":"user","created_at":"2025-03-05T04:25:58Z","metadata":{"__proto__":{"x":1},"toString":"y"}}],"metadata":{"totalPages":1}}`;
    const vendor = await serve(message);
    const [record] = await okchatSource(vendor.url).listMessages('c-1').toArray();
    expect(Object.keys(record?.metadata ?? {})).toEqual(['__proto__', 'toString']);
    expect(Object.keys(MessageSchema.parse(record).metadata)).toEqual(['__proto__', 'toString']);
  });

  it('Chats v1 metadata: "__proto__" stays a key when model and usage are taken out of it', async () => {
    const body = `{"messages":[{"id":"m-1","sender_role":"assistant","created_at":"2025-03-05T04:25:58Z","metadata":{"__proto__":{"polluted":true},"model":"gpt-4o","tokens_used":12,"toString":"y"}}],"has_more":false}`;
    const vendor = await serve(body);
    const source = createChatsV1Source({ apiKey: KEY, baseURL: vendor.url });
    const [message] = await source.listMessages('c-1').toArray();
    expect(message).toMatchObject({ model: 'gpt-4o', usage: { totalTokens: 12 } });
    const metadata = message?.metadata ?? {};
    expect(Object.keys(metadata)).toEqual(['__proto__', 'toString']);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(MessageSchema.parse(message)).toEqual(message);
  });

  it("Chats v1 metadata: a value inherited from a polluted prototype is not the vendor's", async () => {
    const body = `{"messages":[{"id":"m-1","sender_role":"assistant","created_at":"2025-03-05T04:25:58Z","metadata":{"note":"n"}}],"has_more":false}`;
    const vendor = await serve(body);
    const source = createChatsV1Source({ apiKey: KEY, baseURL: vendor.url });
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.model = 'inherited-model';
    prototype.tokens_used = 99;
    try {
      const [message] = await source.listMessages('c-1').toArray();
      expect(message).toMatchObject({ model: null, usage: null, metadata: { note: 'n' } });
      expect(Object.keys(message?.metadata ?? {})).toEqual(['note']);
    } finally {
      delete prototype.model;
      delete prototype.tokens_used;
    }
  });

  it('Chats v1 metadata maps under a frozen Object.prototype (a common hardening)', () => {
    // In a process of its own: freezing the prototype here would change every other test.
    const entry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `
      Object.freeze(Object.prototype);
      const { createChatsV1Source } = await import(${JSON.stringify(entry)});
      const body = '{"messages":[{"id":"m-1","sender_role":"assistant","created_at":"2025-03-05T04:25:58Z","metadata":{"model":"gpt-4o","toString":"y","constructor":"c"}}],"has_more":false}';
      const source = createChatsV1Source({
        apiKey: 'k-123456789', baseURL: 'https://chats.test',
        fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
      });
      const [message] = await source.listMessages('c-1').toArray();
      console.log(JSON.stringify({ model: message.model, metadata: message.metadata }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({
      model: 'gpt-4o',
      metadata: { toString: 'y', constructor: 'c' },
    });
  });
});
