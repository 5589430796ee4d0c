import { afterEach, describe, expect, it } from 'vitest';
import {
  ChatHistoryError,
  createChatsV1Source,
  createHttpClient,
  createOkChatSource,
  exportHistory,
  type InvalidRecord,
} from '../../src/index.js';
import { caught } from '../helpers/caught.js';
import {
  exportCollecting,
  KEY,
  okchatMessage,
  okchatPage,
  okchatSource,
  Servers,
  sendJson,
  startListingVendor,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

function thrownAtCall(call: () => unknown): ChatHistoryError {
  try {
    call();
  } catch (error) {
    if (ChatHistoryError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

describe('lone surrogates', () => {
  it.each([`a${LONE_HIGH}b`, `${LONE_LOW}`, `x${LONE_LOW}${LONE_HIGH}`])(
    'a caller id %j is bad_request at the call, before any request',
    (id) => {
      const source = okchatSource('http://127.0.0.1:1');
      const error = thrownAtCall(() => source.listMessages(id));
      expect(error.code).toBe('bad_request');
      expect(error.message).toContain('conversationId is not well-formed text');
      const v1 = createChatsV1Source({ apiKey: KEY, baseURL: 'http://127.0.0.1:1' });
      expect(thrownAtCall(() => v1.listMessages(id)).code).toBe('bad_request');
    },
  );

  it('a caller state is bad_request at the call', () => {
    const error = thrownAtCall(() =>
      okchatSource('http://127.0.0.1:1').listConversations({ state: `open${LONE_HIGH}` }),
    );
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain('state is not well-formed text');
  });

  it('a pair of surrogates (an emoji) is an ordinary id', async () => {
    const vendor = await servers.start((request, response) => {
      expect(request.url).toContain(encodeURIComponent('chat-😀'));
      sendJson(response, okchatPage([okchatMessage('m-1')]));
    });
    const messages = await okchatSource(vendor.url).listMessages('chat-😀').toArray();
    expect(messages).toHaveLength(1);
  });

  it('a vendor conversation id is an invalid record, and the export goes on with the others', async () => {
    // Lone surrogates can only be written as JSON escapes: the body below is what a vendor sends.
    const body = `{"data":[
      {"id":"c-1","created_at":"2025-03-05T04:25:58Z"},
      {"id":"c-\\ud800-2","created_at":"2025-03-05T04:25:58Z"},
      {"id":"c-3","created_at":"2025-03-05T04:25:58Z"}
    ],"metadata":{"totalPages":1}}`;
    const vendor = await startListingVendor(servers, body);
    const { invalid, exported: entries } = await exportCollecting(vendor.url);
    const exported = entries.map(
      ({ conversation, messages }) =>
        `${conversation.id}:${messages.map((message) => message.id).join()}`,
    );
    expect(exported).toEqual(['c-1:m-of-c-1', 'c-3:m-of-c-3']);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.issues[0]?.path).toEqual(['id']);
    expect(invalid[0]?.issues[0]?.message).toContain('lone surrogate');
  });
});

describe('vendor ids "." and ".." (path steps to a URL parser)', () => {
  it('are invalid records, and exportHistory goes on with the other conversations', async () => {
    const body = okchatPage(
      ['c-1', '.', '..', 'c-4'].map((id) => ({ id, created_at: '2025-03-05T04:25:58Z' })),
    );
    const vendor = await startListingVendor(servers, body);
    const { invalid, exported: entries } = await exportCollecting(vendor.url);
    const exported = entries.map(({ conversation }) => conversation.id);
    expect(exported).toEqual(['c-1', 'c-4']);
    expect(invalid.map((record) => record.id)).toEqual(['.', '..']);
    expect(invalid[0]?.issues[0]?.message).toBe('an id cannot be "." or ".."');
    expect(vendor.requests.every((request) => !request.url.includes('/./'))).toBe(true);
  });
});

describe('arguments that are not what they should be', () => {
  it.each([
    ['createOkChatSource()', () => createOkChatSource(undefined as never)],
    ['createOkChatSource(null)', () => createOkChatSource(null as never)],
    ['createChatsV1Source("key")', () => createChatsV1Source('key' as never)],
    [
      'listConversations(null)',
      () => okchatSource('http://127.0.0.1:1').listConversations(null as never),
    ],
    [
      'listMessages(id, [])',
      () => okchatSource('http://127.0.0.1:1').listMessages('c', [] as never),
    ],
    [
      'exportHistory(source, null)',
      () => exportHistory(okchatSource('http://127.0.0.1:1'), null as never),
    ],
    ['exportHistory(null)', () => exportHistory(null as never)],
    [
      'createHttpClient with headers null',
      () =>
        createHttpClient({ source: 's', baseURL: 'http://x', headers: null as never, secrets: [] }),
    ],
    [
      'createHttpClient with secrets "x"',
      () =>
        createHttpClient({ source: 's', baseURL: 'http://x', headers: {}, secrets: 'x' as never }),
    ],
  ])('%s is bad_request, not a TypeError', (_name, call) => {
    expect(thrownAtCall(call).code).toBe('bad_request');
  });

  it('a request path with a lone surrogate is bad_request, never sent as another id', async () => {
    const vendor = await servers.start((_request, response) => sendJson(response, '{}'));
    const http = createHttpClient({ source: 's', baseURL: vendor.url, headers: {}, secrets: [] });
    const error = await caught(http.getJson(`/chats/a${LONE_HIGH}b`));
    expect(error.code).toBe('bad_request');
    expect(vendor.requests).toHaveLength(0);
  });
});

describe('numeric ids', () => {
  function startVendor(snsUserId: string) {
    // Written as text: 9007199254740993 must reach the client as those digits.
    const body = `{"data":[{"id":"c-1","created_at":"2025-03-05T04:25:58Z","sns_user_id":${snsUserId}}],"metadata":{"totalPages":1}}`;
    return servers.start((_request, response) => sendJson(response, body));
  }

  it('a safe integer becomes its exact digits', async () => {
    const vendor = await startVendor('9007199254740991');
    const [conversation] = await okchatSource(vendor.url).listConversations().toArray();
    expect(conversation?.participant.externalId).toBe('9007199254740991');
  });

  it.each(['9007199254740993', '9007199254740992', '12345678901234567890', '1e21', '1.5'])(
    '%s is never turned into another id: the record is invalid',
    async (digits) => {
      const vendor = await startVendor(digits);
      const invalid: InvalidRecord[] = [];
      const conversations = await okchatSource(vendor.url)
        .listConversations({ onInvalidRecord: (record) => invalid.push(record) })
        .toArray();
      expect(conversations).toEqual([]);
      expect(invalid).toHaveLength(1);
      expect(invalid[0]?.id).toBe('c-1');
      const issue = invalid[0]?.issues.find((candidate) => candidate.path[0] === 'sns_user_id');
      expect(issue?.message).toContain('not an integer a JavaScript number holds exactly');
    },
  );

  it('a record whose own id is a huge number is reported without an id, never a wrong one', async () => {
    const body = `{"data":[{"id":9007199254740993,"created_at":"2025-03-05T04:25:58Z"}],"metadata":{"totalPages":1}}`;
    const vendor = await servers.start((_request, response) => sendJson(response, body));
    const invalid: InvalidRecord[] = [];
    await okchatSource(vendor.url)
      .listConversations({ onInvalidRecord: (record) => invalid.push(record) })
      .toArray();
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.id).toBeUndefined();
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.message).not.toContain('9007199254740992');
    expect(error.message).toContain('invalid record #0');
  });
});
