import type { ErrorObject } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIntercomSource } from '../../src/index.js';
import { createIntercomEmulator, type IntercomEmulator } from '../../src/testing/index.js';
import { loadOpenApiSpec, type OpenApiSpec } from '../helpers/openapi.js';

const TOKEN = 'dG9rOmE5ZjM0YjJjLTc3';
const BASE = 'https://api.intercom.io';

/**
 * Everything the Intercom emulator serves, and what the adapter sends, held to Intercom's own
 * OpenAPI description (2.14): the answers of listConversations, searchConversations and
 * retrieveConversation, their errors, and the search request body. Answers are checked "closed"
 * too (no property the description does not name), so the emulator cannot invent or misspell a
 * field the adapter would then rely on.
 */
let spec: OpenApiSpec;
beforeAll(() => {
  spec = loadOpenApiSpec('intercom-api-2.14.yaml');
});

function explain(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map(
      (error) =>
        `${error.instancePath || '(root)'} ${error.message} ${JSON.stringify(error.params)}`,
    )
    .join('\n');
}

/** Asserts `value` is valid against schema `name`, open and closed. */
function expectValid(name: string, value: unknown) {
  for (const closed of [false, true]) {
    const validate = spec.validator(name, { closed });
    const valid = validate(value);
    expect(valid, `${name}${closed ? ' (closed)' : ''}:\n${explain(validate.errors)}`).toBe(true);
  }
}

/** The schema an operation's response refers to, by operation id and status. */
function responseSchema(operationId: string, status: string): string {
  for (const methods of Object.values(spec.document.paths)) {
    for (const operation of Object.values(methods)) {
      if (operation.operationId !== operationId) continue;
      const schema = operation.responses[status]?.content?.['application/json']?.schema as
        | { $ref?: string }
        | undefined;
      const ref = schema?.$ref;
      if (ref === undefined) throw new Error(`${operationId} ${status} has no schema reference`);
      return ref.replace('#/components/schemas/', '');
    }
  }
  throw new Error(`no operation ${operationId}`);
}

async function call(
  emulator: IntercomEmulator,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await emulator.handler(
    new Request(`${BASE}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token ?? TOKEN}`,
        'intercom-version': '2.14',
        'content-type': 'application/json',
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }),
  );
  return { status: response.status, body: await response.json() };
}

describe('intercom emulator: held to the OpenAPI description', () => {
  it('names the schemas the adapter reads as the operations do', () => {
    expect(responseSchema('listConversations', '200')).toBe('conversation_list');
    expect(responseSchema('searchConversations', '200')).toBe('conversation_list');
    expect(responseSchema('retrieveConversation', '200')).toBe('conversation');
    expect(responseSchema('retrieveConversation', '404')).toBe('error');
    expect(responseSchema('listConversations', '401')).toBe('error');
  });

  it('every page of GET /conversations is a conversation_list', async () => {
    const emulator = createIntercomEmulator({ accessToken: TOKEN, conversations: 23, seed: 5 });
    let path = '/conversations?per_page=7';
    let pages = 0;
    const ids: string[] = [];
    for (;;) {
      const { status, body } = await call(emulator, path);
      expect(status).toBe(200);
      expectValid(responseSchema('listConversations', '200'), body);
      const page = body as {
        conversations: { id: string }[];
        pages: { next?: { starting_after: string } };
      };
      ids.push(...page.conversations.map((conversation) => conversation.id));
      pages += 1;
      const next = page.pages.next?.starting_after;
      if (next === undefined) break;
      path = `/conversations?per_page=7&starting_after=${encodeURIComponent(next)}`;
    }
    expect(pages).toBe(4);
    expect(ids).toEqual(emulator.conversations().map((record) => String(record.id)));
  });

  it('every conversation GET /conversations/{id} returns is a conversation, parts and all', async () => {
    const emulator = createIntercomEmulator({
      accessToken: TOKEN,
      conversations: 30,
      partsPerConversation: { min: 0, max: 60 },
      seed: 9,
    });
    const kinds = new Set<string>();
    for (const record of emulator.conversations()) {
      const { status, body } = await call(
        emulator,
        `/conversations/${record.id}?display_as=plaintext`,
      );
      expect(status).toBe(200);
      expectValid(responseSchema('retrieveConversation', '200'), body);
      const parts = (
        body as { conversation_parts: { conversation_parts: { part_type: string }[] } }
      ).conversation_parts.conversation_parts;
      for (const part of parts) kinds.add(part.part_type);
    }
    // The data covers what the adapter must tell apart.
    expect([...kinds]).toEqual(expect.arrayContaining(['comment', 'note', 'assignment', 'close']));
  });

  it("a search answer is a conversation_list, and the adapter's search body a search_request", async () => {
    const emulator = createIntercomEmulator({ accessToken: TOKEN, conversations: 12, seed: 2 });
    const bodies: unknown[] = [];
    const source = createIntercomSource({
      accessToken: TOKEN,
      pageSize: 4,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (request.method === 'POST') bodies.push(await request.clone().json());
        return emulator.fetch(request);
      },
    });
    const found = await source
      .listConversations({ updatedSince: '2025-03-05T05:00:00.5Z' })
      .toArray();
    expect(found.length).toBeGreaterThan(4);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) {
      expectValid('search_request', body);
      const answer = await call(emulator, '/conversations/search', { method: 'POST', body });
      expectValid(responseSchema('searchConversations', '200'), answer.body);
    }
  });

  it('errors are error lists: a wrong token, an unknown conversation, a refused search', async () => {
    const emulator = createIntercomEmulator({ accessToken: TOKEN });
    const unauthorized = await call(emulator, '/conversations', { token: 'wrong' });
    expect(unauthorized.status).toBe(401);
    expectValid(responseSchema('listConversations', '401'), unauthorized.body);
    const missing = await call(emulator, '/conversations/1');
    expect(missing.status).toBe(404);
    expectValid(responseSchema('retrieveConversation', '404'), missing.body);
    // Intercom refuses >= on dates.
    const refused = await call(emulator, '/conversations/search', {
      method: 'POST',
      body: { query: { field: 'updated_at', operator: '>=', value: 1 } },
    });
    expect(refused.status).toBe(400);
    expectValid('error', refused.body);
  });

  it('live data and the 500-part limit keep the same shapes', async () => {
    const emulator = createIntercomEmulator({
      accessToken: TOKEN,
      conversations: 6,
      partsPerConversation: 12,
      maxParts: 5,
      live: { rate: 2 },
    });
    const listed = await call(emulator, '/conversations?per_page=3');
    expectValid('conversation_list', listed.body);
    const id = String(emulator.conversations()[0]?.id);
    const { body } = await call(emulator, `/conversations/${id}`);
    expectValid('conversation', body);
    const parts = (
      body as { conversation_parts: { conversation_parts: unknown[]; total_count: number } }
    ).conversation_parts;
    expect(parts.conversation_parts).toHaveLength(5);
    expect(parts.total_count).toBeGreaterThan(5);
  });
});
