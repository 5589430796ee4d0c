import { afterEach, describe, expect, it } from 'vitest';
import { exportHistory, type InvalidRecord, MessageSchema } from '../../src/index.js';
import { exceedsDepth, MAX_RECORD_DEPTH } from '../../src/paginate/record-depth.js';
import { caught } from '../helpers/caught.js';
import {
  CHATBOT,
  CONVERSATIONS_PATH,
  KEY,
  okchatConversation,
  okchatMessage,
  okchatPage,
  okchatSource,
  runCliInProcess,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

/** JSON text of `levels` objects nested in one another: `{"a":{"a":...{}}}`. */
function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

/**
 * An OkChat vendor with three conversations; the second holds, between two good messages, one
 * whose metadata nests `levels` objects deep. Built as text: the deep record is never a JS value
 * on this side before the client parses it.
 */
function startVendor(levels: number) {
  const deep = `{"id":"m-deep","sender_type":"user","content":"x","created_at":"2025-03-05T04:25:58Z","metadata":${nestedJson(levels)}}`;
  return servers.start((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (path === CONVERSATIONS_PATH) {
      sendJson(response, okchatPage(['c-1', 'c-2', 'c-3'].map((id) => okchatConversation(id))));
      return;
    }
    const id = path.split('/').at(-2) ?? '';
    const before = JSON.stringify(okchatMessage(`${id}-m-1`));
    const after = JSON.stringify(okchatMessage(`${id}-m-2`));
    const records = id === 'c-2' ? [before, deep, after] : [before, after];
    sendJson(
      response,
      `{"data":[${records.join(',')}],"metadata":{"totalPages":1,"totalCount":${records.length}}}`,
    );
  });
}

describe('deeply nested records', () => {
  it('a record nested 10,000 deep (about 59 KB) is an invalid record; the rest of the listing goes on', async () => {
    expect(nestedJson(10_000).length).toBeGreaterThan(59_000);
    const vendor = await startVendor(10_000);
    const invalid: InvalidRecord[] = [];
    const messages = await okchatSource(vendor.url)
      .listMessages('c-2', { onInvalidRecord: (record) => invalid.push(record) })
      .toArray();
    expect(messages.map((message) => message.id)).toEqual(['c-2-m-1', 'c-2-m-2']);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.id).toBe('m-deep');
    expect(invalid[0]?.index).toBe(1);
    expect(invalid[0]?.issues[0]).toEqual({
      code: 'too_deep',
      path: [],
      message: `the record is nested more than ${MAX_RECORD_DEPTH} levels deep`,
    });
    // Everything yielded can be serialized and validated: nothing recursive meets the deep record.
    expect(() => JSON.stringify(messages)).not.toThrow();
    for (const message of messages) MessageSchema.parse(message);
  });

  it('without onInvalidRecord the listing throws invalid_response naming the record', async () => {
    const vendor = await startVendor(10_000);
    const error = await caught(okchatSource(vendor.url).listMessages('c-2').toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toBe(
      `okchat: invalid record "m-deep" (#1) at (record): the record is nested more than ${MAX_RECORD_DEPTH} levels deep. Pass onInvalidRecord to skip such records and keep them.`,
    );
  });

  it('exportHistory delivers every conversation around it', async () => {
    const vendor = await startVendor(10_000);
    const invalid: InvalidRecord[] = [];
    const exported: string[] = [];
    for await (const { conversation, messages } of exportHistory(okchatSource(vendor.url), {
      onInvalidRecord: (record) => invalid.push(record),
    })) {
      exported.push(`${conversation.id}:${messages.length}`);
    }
    expect(exported).toEqual(['c-1:2', 'c-2:2', 'c-3:2']);
    expect(invalid.map((record) => record.id)).toEqual(['m-deep']);
  });

  it(`${MAX_RECORD_DEPTH} levels are accepted, ${MAX_RECORD_DEPTH + 1} are not`, async () => {
    // The record is level 1 and its metadata level 2: metadata nesting n objects makes n + 1.
    const accepted = await startVendor(MAX_RECORD_DEPTH - 1);
    const messages = await okchatSource(accepted.url).listMessages('c-2').toArray();
    expect(messages).toHaveLength(3);
    const refused = await startVendor(MAX_RECORD_DEPTH);
    const error = await caught(okchatSource(refused.url).listMessages('c-2').toArray());
    expect(error.message).toContain('nested more than');
  });

  it('the depth walk uses no recursion, and arrays count as levels too', () => {
    let value: unknown = [];
    for (let level = 1; level < 1_000_000; level++) value = [value];
    expect(exceedsDepth(value, MAX_RECORD_DEPTH)).toBe(true);
    expect(exceedsDepth([[[1]]], 3)).toBe(false);
    expect(exceedsDepth([[[[1]]]], 3)).toBe(true);
    expect(exceedsDepth({ a: [{ b: 'x' }] }, 3)).toBe(false);
    expect(exceedsDepth('text', 0)).toBe(false);
  });

  it('the CLI skips it, exports every other message, says so, and exits 3', async () => {
    const vendor = await startVendor(10_000);
    const {
      code,
      stdout: out,
      stderr: err,
    } = await runCliInProcess(['export', '--source', 'okchat'], {
      OKCHAT_API_KEY: KEY,
      OKCHAT_CHATBOT_ID: CHATBOT,
      OKCHAT_BASE_URL: vendor.url,
    });
    expect(code).toBe(3);
    const ids = out
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual(['c-1-m-1', 'c-1-m-2', 'c-2-m-1', 'c-2-m-2', 'c-3-m-1', 'c-3-m-2']);
    expect(err).toContain(
      `chat-history-kit: warning: skipped invalid okchat record "m-deep": the record is nested more than ${MAX_RECORD_DEPTH} levels deep`,
    );
    expect(err).toContain('exported 6 messages from 3 conversations');
    expect(err).toContain(
      'chat-history-kit: warning: 1 invalid vendor record was skipped and left out of the export',
    );
  });
});
