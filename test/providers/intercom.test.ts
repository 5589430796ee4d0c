import { HttpResponse, http, type JsonBodyType } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Conversation,
  ConversationSchema,
  createIntercomSource,
  type IntercomSourceOptions,
  type ListingWarning,
  type Message,
  MessageSchema,
} from '../../src/index.js';
import type { InvalidRecord } from '../../src/paginate/types.js';
import { searchSeconds } from '../../src/providers/intercom/intercom-source.js';
import { createIntercomEmulator, type IntercomEmulatorOptions } from '../../src/testing/index.js';
import retrieved from '../fixtures/intercom-conversation.json' with { type: 'json' };
import listed from '../fixtures/intercom-conversations.json' with { type: 'json' };
import { caught } from '../helpers/caught.js';
import { vendorHarness } from '../helpers/vendor-harness.js';

const BASE = 'https://api.intercom.io';
const TOKEN = 'dG9rOjRmYjJlOTcxLWFh';

const harness = vendorHarness(BASE);
const { server } = harness;

function emulate(options: IntercomEmulatorOptions = {}) {
  return harness.emulate(createIntercomEmulator({ accessToken: TOKEN, ...options }));
}

function intercom(overrides: Partial<IntercomSourceOptions> = {}) {
  return createIntercomSource({
    accessToken: TOKEN,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

/** A retrieved conversation with these parts (and the spec example's opening message). */
function conversationWith(parts: unknown[], totalCount = parts.length) {
  return {
    ...retrieved,
    conversation_parts: {
      type: 'conversation_part.list',
      conversation_parts: parts,
      total_count: totalCount,
    },
  };
}

function part(id: string | number, fields: Record<string, unknown> = {}) {
  return {
    type: 'conversation_part',
    id,
    part_type: 'comment',
    body: `text of ${id}`,
    created_at: 1_700_000_000 + Number(String(id).replace(/\D/g, '') || 0),
    author: { type: 'user', id: '5ba6', name: 'Ana' },
    attachments: [],
    ...fields,
  };
}

const replayConversation = (body: unknown) =>
  harness.replay('/conversations/:id', body as JsonBodyType);

describe("intercom: the description's examples, field by field", () => {
  it('a retrieved conversation: the opening message, then parts with a body; events skipped', async () => {
    const requests = replayConversation(retrieved);
    const messages = await intercom().listMessages('503').toArray();
    const url = new URL(requests[0]?.url ?? '');
    expect(url.pathname).toBe('/conversations/503');
    expect(url.searchParams.get('display_as')).toBe('plaintext');
    expect(requests[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(requests[0]?.headers.get('intercom-version')).toBe('2.14');
    const expected: Message[] = [
      {
        id: '403918334',
        conversationId: '503',
        source: 'intercom',
        account: 'default',
        role: 'agent',
        text: '<p>this is the message body</p>',
        attachments: [],
        createdAt: '2024-12-18T15:58:31.000000Z',
        model: null,
        provider: null,
        usage: null,
        toolCalls: [],
        toolResults: [],
        metadata: {
          partType: 'source',
          author: { type: 'admin', id: '991267645', name: 'Ciaran176 Lee' },
          deliveredAs: 'admin_initiated',
        },
        raw: retrieved.source,
      },
      {
        // The example sends this id as a number: it is read as its digits.
        id: '1',
        conversationId: '503',
        source: 'intercom',
        account: 'default',
        role: 'agent',
        text: '<p>Okay!</p>',
        attachments: [],
        createdAt: '2022-09-19T14:20:23.000000Z',
        model: null,
        provider: null,
        usage: null,
        toolCalls: [],
        toolResults: [],
        metadata: {
          partType: 'comment',
          author: { type: 'admin', id: '274', name: 'Operator' },
        },
        raw: retrieved.conversation_parts.conversation_parts[0],
      },
    ];
    expect(messages).toEqual(expected);
    for (const message of messages) expect(MessageSchema.parse(message)).toEqual(message);
  });

  it('includeEvents: the events as system messages with their part type, in place', async () => {
    replayConversation(retrieved);
    const messages = await intercom().listMessages('503', { includeEvents: true }).toArray();
    expect(messages.map((message) => [message.id, message.role, message.text])).toEqual([
      ['403918334', 'agent', '<p>this is the message body</p>'],
      ['1', 'agent', '<p>Okay!</p>'],
      ['2', 'system', ''],
      ['3', 'system', ''],
      ['4', 'system', ''],
    ]);
    expect(messages.slice(2).map((message) => message.metadata.partType)).toEqual([
      'custom_action_started',
      'conversation_attribute_updated_by_admin',
      'custom_action_finished',
    ]);
    expect(messages[3]?.raw).toEqual(retrieved.conversation_parts.conversation_parts[2]);
  });

  it('a listed conversation: channel, state, hand-off, participant, times', async () => {
    harness.replay('/conversations', listed as JsonBodyType);
    const conversations = await intercom({ account: 'acme-eu' }).listConversations().toArray();
    const expected: Conversation = {
      id: '471',
      source: 'intercom',
      account: 'acme-eu',
      botId: null,
      channel: 'web',
      state: 'closed',
      active: false,
      humanHandoff: true,
      participant: { externalId: '6762f0f31bb69f9f2193bb8b', userId: '70', anonymous: null },
      createdAt: '2024-12-18T15:57:40.000000Z',
      updatedAt: '2024-12-18T15:57:40.000000Z',
      lastMessage: null,
      recording: null,
      metadata: {
        adminAssigneeId: '991267715',
        teamAssigneeId: '5017691',
        deliveredAs: 'admin_initiated',
        aiAgentParticipated: false,
      },
      raw: listed.conversations[0],
    };
    expect(conversations).toEqual([expected]);
    expect(ConversationSchema.parse(conversations[0])).toEqual(expected);
  });
});

describe('intercom: messages', () => {
  it('roles: contacts are users, admins and teams agents, bots and the AI agent assistants', async () => {
    const authors = [
      { type: 'user' },
      { type: 'lead' },
      { type: 'contact' },
      { type: 'admin' },
      { type: 'team' },
      { type: 'bot' },
      { type: 'admin', from_ai_agent: true },
      { type: 'campaign' },
      null,
    ];
    replayConversation(
      conversationWith(authors.map((author, index) => part(index + 1, { author }))),
    );
    const messages = await intercom().listMessages('503').toArray();
    expect(messages.slice(1).map((message) => message.role)).toEqual([
      'user',
      'user',
      'user',
      'agent',
      'agent',
      'assistant',
      'assistant',
      'unknown',
      'unknown',
    ]);
    expect(messages[7]?.metadata.fromAiAgent).toBe(true);
  });

  it('notes are internal, attachments typed, a file alone is a message, ids always strings', async () => {
    replayConversation(
      conversationWith([
        part(11, { part_type: 'note', author: { type: 'admin', id: 7 } }),
        part('12', {
          body: null,
          attachments: [
            {
              type: 'upload',
              name: 'invoice.pdf',
              url: 'https://downloads.intercomcdn.com/i/o/1/invoice.pdf?expires=1',
              content_type: 'application/pdf',
              filesize: 1200,
            },
            { type: 'upload', name: 'shot', url: 'https://x.test/a/shot.png' },
            {
              type: 'upload',
              name: 'voice.m4a',
              url: 'https://x.test/v',
              content_type: 'audio/mp4',
            },
          ],
        }),
        part(13, { body: '' }),
      ]),
    );
    const messages = await intercom().listMessages('503').toArray();
    expect(messages.map((message) => message.id)).toEqual(['403918334', '11', '12']);
    expect(messages[1]?.metadata).toEqual({
      partType: 'note',
      internal: true,
      author: { type: 'admin', id: '7' },
    });
    expect(messages[2]?.text).toBe('');
    expect(messages[2]?.attachments).toEqual([
      {
        url: 'https://downloads.intercomcdn.com/i/o/1/invoice.pdf?expires=1',
        name: 'invoice.pdf',
        mediaType: 'application/pdf',
        kind: 'document',
      },
      { url: 'https://x.test/a/shot.png', name: 'shot', mediaType: 'image/png', kind: 'image' },
      { url: 'https://x.test/v', name: 'voice.m4a', mediaType: 'audio/mp4', kind: 'audio' },
    ]);
  });

  it('parts come oldest first even when sent out of order; the opening message stays first', async () => {
    replayConversation(
      conversationWith([
        part(3, { created_at: 1_700_000_300 }),
        part(1, { created_at: 1_700_000_100 }),
        part(2, { created_at: 1_700_000_100 }),
      ]),
    );
    const messages = await intercom().listMessages('503').toArray();
    expect(messages.map((message) => message.id)).toEqual(['403918334', '1', '2', '3']);
  });

  it('a part without a time, or with an id past 2^53, is an invalid record; the rest are listed', async () => {
    replayConversation(
      conversationWith([
        part(1),
        part(2, { created_at: null }),
        part(2 ** 53 + 2, { created_at: 1_700_000_003 }),
        part(4, { created_at: '2024-01-01' }),
        part(5),
      ]),
    );
    const invalid: InvalidRecord[] = [];
    const messages = await intercom()
      .listMessages('503', { onInvalidRecord: (record) => invalid.push(record) })
      .toArray();
    expect(messages.map((message) => message.id)).toEqual(['403918334', '1', '5']);
    expect(invalid.map((record) => record.issues[0]?.path)).toEqual([
      ['created_at'],
      ['id'],
      ['created_at'],
    ]);
    const strict = await caught(intercom().listMessages('503').toArray());
    expect(strict.code).toBe('invalid_response');
  });

  it('what only feeds metadata never costs a message: blank, odd or missing authors', async () => {
    replayConversation(
      conversationWith([
        part(1, { author: { type: 'user', id: '' } }),
        part(2, { author: '' }),
        part(3, { author: { type: 'admin', id: 7, name: 7 } }),
        part(4, { author: { type: ['bot'], from_ai_agent: 'yes' } }),
      ]),
    );
    const messages = await intercom().listMessages('503').toArray();
    expect(
      messages.slice(1).map((message) => [message.id, message.role, message.metadata.author]),
    ).toEqual([
      ['1', 'user', { type: 'user' }],
      ['2', 'unknown', undefined],
      ['3', 'agent', { type: 'admin', id: '7' }],
      ['4', 'unknown', {}],
    ]);
  });

  it('a conversation without created_at: only its opening message is invalid', async () => {
    replayConversation({ ...conversationWith([part(1), part(2)]), created_at: null });
    const invalid: InvalidRecord[] = [];
    const messages = await intercom()
      .listMessages('503', { onInvalidRecord: (record) => invalid.push(record) })
      .toArray();
    expect(messages.map((message) => message.id)).toEqual(['1', '2']);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.raw).toEqual(retrieved.source);
    expect(invalid[0]?.issues[0]?.message).toMatch(
      /no created_at, the time of its opening message/,
    );
  });

  it('a count that is no count only loses the warning', async () => {
    replayConversation(conversationWith([part(1)], '1e3' as unknown as number));
    const warnings: ListingWarning[] = [];
    const messages = await intercom()
      .listMessages('503', { onWarning: (warning) => warnings.push(warning) })
      .toArray();
    expect(messages).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('more parts than returned: a truncated warning, once, and the listing completes', async () => {
    const emulator = emulate({ conversations: 2, partsPerConversation: 40, maxParts: 25 });
    const id = String(emulator.conversations()[0]?.id);
    const warnings: ListingWarning[] = [];
    const messages = await intercom()
      .listMessages(id, { onWarning: (warning) => warnings.push(warning) })
      .toArray();
    expect(messages.map((message) => message.id)).toEqual(
      emulator.messages(id).map((record) => String(record.id)),
    );
    expect(warnings).toEqual([
      {
        source: 'intercom',
        code: 'truncated',
        conversationId: id,
        returned: 25,
        total: 40,
        cursor: { cursor: null, limit: 50 },
        message: expect.stringMatching(
          /returned 25 of the 40 parts .* at most the 500 most recent/,
        ),
      },
    ]);
    // Without a handler: written once, and the listing still completes.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const again = await intercom().listMessages(id).toArray();
      expect(again).toHaveLength(messages.length);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/^chat-history-kit warning \(truncated\)/);
    } finally {
      warn.mockRestore();
    }
  });

  it('a page cursor inside the conversation resumes after the messages already seen', async () => {
    const emulator = emulate({ conversations: 1, partsPerConversation: 20 });
    const id = String(emulator.conversations()[0]?.id);
    const all = await intercom().listMessages(id).toArray();
    let next: unknown;
    for await (const page of intercom().listMessages(id, { maxItems: 5 }).pages()) next = page.next;
    const rest = await intercom()
      .listMessages(id, { startAt: JSON.parse(JSON.stringify(next)) })
      .toArray();
    expect([...all.slice(0, 5), ...rest].map((message) => message.id)).toEqual(
      all.map((message) => message.id),
    );
  });
});

describe('intercom: conversations', () => {
  it('follows pages.next.starting_after with per_page until there is none', async () => {
    const emulator = emulate({ conversations: 31 });
    const conversations = await intercom({ pageSize: 10 }).listConversations().toArray();
    expect(conversations.map((conversation) => conversation.id)).toEqual(
      emulator.conversations().map((record) => String(record.id)),
    );
    const urls = emulator.urls();
    expect(urls).toHaveLength(4);
    expect(urls.map((url) => url.searchParams.get('per_page'))).toEqual(['10', '10', '10', '10']);
    expect(urls[0]?.searchParams.has('starting_after')).toBe(false);
    expect(urls.slice(1).every((url) => url.searchParams.get('starting_after'))).toBe(true);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'while conversations are created, updated and deleted, each is listed at most once, and every one left alone exactly once (seed %i)',
    async (seed) => {
      const emulator = emulate({
        seed,
        conversations: 40,
        live: { rate: 1.5, changes: ['insert', 'move', 'delete'] },
      });
      const before = emulator.conversations().map((record) => String(record.id));
      const conversations = await intercom({ pageSize: 5 }).listConversations().toArray();
      const ids = conversations.map((conversation) => conversation.id);
      expect(new Set(ids).size).toBe(ids.length);
      // A conversation updated before the listing reached it moves ahead of the cursor (Intercom
      // lists by update time): only the untouched are owed.
      const changed = new Set(emulator.live?.log.map((entry) => entry.id));
      expect(changed.size).toBeGreaterThan(0);
      const untouched = before.filter((id) => !changed.has(id));
      expect(ids.filter((id) => untouched.includes(id))).toEqual(untouched);
    },
  );

  it('updatedSince: a search for updated_at > the second rounded up, cursor-paged', async () => {
    const emulator = createIntercomEmulator({ accessToken: TOKEN, conversations: 30 });
    const bodies: unknown[] = [];
    server.use(
      http.all(`${BASE}/*`, async ({ request }) => {
        if (request.method === 'POST') bodies.push(await request.clone().json());
        return emulator.handler(request);
      }),
    );
    const updated = emulator.conversations().map((record) => Number(record.updated_at));
    const boundary = updated[9] ?? 0;
    const at = new Date(boundary * 1000).toISOString();
    const found = await intercom({ pageSize: 4 }).listConversations({ updatedSince: at }).toArray();
    // At or after the time: the conversation updated in that very second is in.
    expect(found.map((conversation) => conversation.id)).toEqual(
      emulator
        .conversations()
        .filter((record) => Number(record.updated_at) >= boundary)
        .map((record) => String(record.id)),
    );
    expect(found).toHaveLength(10);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toEqual({
      query: { field: 'updated_at', operator: '>', value: boundary },
      pagination: { per_page: 4 },
    });
    expect(bodies[1]).toMatchObject({
      pagination: { per_page: 4, starting_after: expect.any(String) },
    });
    // A fraction of a second past it: that conversation is out.
    const later = await intercom()
      .listConversations({ updatedSince: at.replace('.000Z', '.000001Z') })
      .toArray();
    expect(later).toHaveLength(9);
  });

  it('a part added live updates its conversation: listed first, found by updatedSince', async () => {
    const emulator = emulate({
      conversations: 6,
      live: { listings: ['messages'], schedule: () => ['append'] },
    });
    const before = emulator.conversations().map((record) => String(record.id));
    const newest = Math.max(...emulator.conversations().map((record) => Number(record.updated_at)));
    const last = before.at(-1) ?? '';
    // Reading the oldest conversation makes the emulator add a part to it.
    const read = await intercom().listMessages(last).toArray();
    expect(emulator.live?.log).toEqual([
      expect.objectContaining({ change: 'append', listing: 'messages', conversationId: last }),
    ]);
    expect(emulator.conversations().map((record) => String(record.id))).toEqual([
      last,
      ...before.slice(0, -1),
    ]);
    const since = new Date((newest + 1) * 1000).toISOString();
    const changed = await intercom().listConversations({ updatedSince: since }).toArray();
    expect(changed.map((conversation) => conversation.id)).toEqual([last]);
    // The new part is there, after the ones read before, and no older than its conversation's update.
    const again = await intercom().listMessages(last).toArray();
    expect(again.slice(0, read.length).map((message) => message.id)).toEqual(
      read.map((message) => message.id),
    );
    expect(again.length).toBeGreaterThan(read.length);
    const updatedAt = changed[0]?.updatedAt ?? '';
    expect((again.at(-1)?.createdAt ?? '') <= updatedAt).toBe(true);
  });

  it('a search survives faults on any of its pages, each retried', async () => {
    const emulator = emulate({
      conversations: 40,
      faults: { rate: 0.5, firstAttemptsOnly: true, kinds: ['503', '429'], retryAfterSeconds: 0 },
    });
    const since = new Date(Number(emulator.conversations()[29]?.updated_at) * 1000).toISOString();
    const found = await intercom({ pageSize: 3 })
      .listConversations({ updatedSince: since })
      .toArray();
    expect(found.map((conversation) => conversation.id)).toEqual(
      emulator
        .conversations()
        .slice(0, 30)
        .map((record) => String(record.id)),
    );
    // Faults are drawn per page (the body differs), not only on the first one.
    expect(emulator.stats.faults).toBeGreaterThan(3);
  });

  it('rounds the search time up, never down, and never below 0', () => {
    expect(searchSeconds('2025-03-05T04:25:58.000000Z')).toBe(1_741_148_758);
    expect(searchSeconds('2025-03-05T04:25:58.000001Z')).toBe(1_741_148_759);
    expect(searchSeconds('2025-03-05T04:25:58.999999Z')).toBe(1_741_148_759);
    expect(searchSeconds('1969-12-31T23:59:59.000000Z')).toBe(0);
  });

  it('odd contacts, statistics, titles and assignees leave the conversation listed', async () => {
    const base = listed.conversations[0];
    harness.replay('/conversations', {
      ...listed,
      conversations: [
        { ...base, id: 'a', contacts: { contacts: [{ id: '' }] }, title: 5 },
        { ...base, id: 'b', contacts: { contacts: [null] }, statistics: 'none' },
        { ...base, id: 'c', contacts: { contacts: [{ id: 'c1', external_id: 70 }] } },
        { ...base, id: 'd', contacts: 'x', admin_assignee_id: { id: 1 }, source: [] },
      ],
    } as JsonBodyType);
    const conversations = await intercom().listConversations().toArray();
    expect(
      conversations.map((conversation) => [
        conversation.id,
        conversation.participant.externalId,
        conversation.participant.userId,
        conversation.humanHandoff,
        conversation.channel,
      ]),
    ).toEqual([
      ['a', null, null, true, 'web'],
      ['b', null, null, true, 'web'],
      ['c', 'c1', '70', true, 'web'],
      ['d', null, null, false, null],
    ]);
  });

  it('declares the filter it has and refuses state, which it does not', () => {
    const source = intercom();
    expect(source.capabilities).toMatchObject({
      filterConversationsByUpdatedSince: true,
      filterConversationsByState: false,
      prefetchPages: false,
    });
    expect(() => source.listConversations({ state: 'open' })).toThrow(/does not support/);
  });
});

describe('intercom: options, errors and limits', () => {
  it('pageSize is 1 to 150, apiVersion an Intercom version, accessToken required', () => {
    expect(() => intercom({ pageSize: 151 })).toThrow(
      /pageSize must be a whole number from 1 to 150/,
    );
    expect(() => intercom().listConversations({ pageSize: 151 })).toThrow(/1 to 150/);
    expect(() => intercom({ apiVersion: '2.14\r\nX-Evil: 1' })).toThrow(/apiVersion must be/);
    expect(() => intercom({ accessToken: '' })).toThrow(/accessToken is required/);
  });

  it('a blank apiVersion or account is as good as none: the defaults apply', async () => {
    const requests = replayConversation(retrieved);
    const source = intercom({ apiVersion: ' ', account: '   ' });
    expect(source.account).toBe('default');
    await source.listMessages('503').toArray();
    expect(requests[0]?.headers.get('intercom-version')).toBe('2.14');
  });

  it('sends the chosen API version, and reads a regional host through baseURL', async () => {
    const eu = 'https://api.eu.intercom.io';
    const requests: Request[] = [];
    server.use(
      http.get(`${eu}/conversations`, ({ request }) => {
        requests.push(request);
        return HttpResponse.json(listed as JsonBodyType);
      }),
    );
    const source = intercom({ baseURL: eu, apiVersion: 'Unstable' });
    expect(await source.listConversations().toArray()).toHaveLength(1);
    expect(requests[0]?.headers.get('intercom-version')).toBe('Unstable');
  });

  it('401, 404 and an unknown version are typed errors; the token is in none', async () => {
    emulate();
    const wrong = await caught(
      intercom({ accessToken: 'not-the-token-at-all' }).listConversations().toArray(),
    );
    expect(wrong).toMatchObject({
      code: 'unauthorized',
      status: 401,
      source: 'intercom',
      retryable: false,
    });
    expect(wrong.message).toMatch(/Access Token Invalid/);
    const missing = await caught(intercom().listMessages('404404').toArray());
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });
    const version = await caught(intercom({ apiVersion: '9.99' }).listConversations().toArray());
    expect(version).toMatchObject({ code: 'bad_request', status: 400 });
    for (const error of [wrong, missing, version]) {
      const text = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
      expect(text).not.toContain(TOKEN.slice(0, 8));
      expect(text).not.toContain('not-the-token');
    }
  });

  it('429 without Retry-After waits for X-RateLimit-Reset, then goes on', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/conversations`, () => {
        calls += 1;
        if (calls === 1) {
          return HttpResponse.json(
            {
              type: 'error.list',
              errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit' }],
            },
            {
              status: 429,
              headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
            },
          );
        }
        return HttpResponse.json(listed as JsonBodyType);
      }),
    );
    expect(await intercom().listConversations().toArray()).toHaveLength(1);
    expect(calls).toBe(2);
  });
});

afterEach(() => vi.restoreAllMocks());
