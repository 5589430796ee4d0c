import { Bench } from 'tinybench';
import { exceedsDepth, MAX_RECORD_DEPTH } from '../src/paginate/record-depth.js';
import { chatsV1 } from '../src/providers/chats-v1/chats-v1-source.js';
import type { Vendor } from '../src/providers/define-vendor.js';
import { intercom as intercomVendor } from '../src/providers/intercom/intercom-source.js';
import { okchat as okchatVendor } from '../src/providers/okchat/okchat-source.js';
import {
  createChatsV1Emulator,
  createIntercomEmulator,
  createOkChatEmulator,
} from '../src/testing/index.js';
import { ratio, table } from './support.js';

const RECORDS = 2_000;

/**
 * 2. Normalization throughput: JSON.parse + envelope + depth check + validation + mapping of
 * large pages held in memory (what the engine does with every record), against JSON.parse of the
 * same bytes alone. Intercom's page is one conversation of as many parts, events included (they
 * are parsed and left out, as a listing does).
 */
export async function normalizeBenchmark(): Promise<string> {
  const okchat = createOkChatEmulator({ conversations: 1, messagesPerConversation: RECORDS });
  const chats = createChatsV1Emulator({ chats: 1, messagesPerChat: RECORDS });
  const sessionId = String(okchat.conversations()[0]?.id);
  const chatId = String(chats.chats()[0]?.id);
  const okchatText = JSON.stringify({
    data: okchat.messages(sessionId),
    metadata: { currentPage: 1, pageSize: RECORDS, totalCount: RECORDS, totalPages: 1 },
  });
  const chatsText = JSON.stringify({
    messages: chats.messages(chatId),
    total: RECORDS,
    offset: 0,
    limit: RECORDS,
    has_more: false,
  });
  const intercom = createIntercomEmulator({
    conversations: 1,
    partsPerConversation: RECORDS,
    maxParts: RECORDS,
  });
  const conversationId = String(intercom.conversations()[0]?.id);
  const intercomText = await (
    await intercom.handler(
      new Request(`https://api.intercom.io/conversations/${conversationId}`, {
        headers: { authorization: `Bearer ${intercom.accessToken}` },
      }),
    )
  ).text();
  const intercomMessages = intercom.messages(conversationId).length;
  const where = { source: 'bench', path: '/bench' };
  /** What a source does with each page: envelope, depth check, validation and mapping. */
  const normalize = (
    vendor: Vendor<never>,
    text: string,
    conversationId: string,
    expected = RECORDS,
  ) => {
    const listing = vendor.messages;
    if (listing === undefined) throw new Error(`${vendor.id} lists no messages`);
    const context = { source: vendor.id, account: 'bench', conversationId };
    const page = listing.readPage(JSON.parse(text), where, {
      cursor: {},
      options: {} as never,
      conversationId,
      includeEvents: false,
    });
    let mapped = 0;
    for (const record of page.records) {
      if (exceedsDepth(record, MAX_RECORD_DEPTH)) continue;
      if (listing.mapRecord(record, context, page).ok) mapped += 1;
    }
    if (mapped !== expected) throw new Error(`${vendor.id} records failed to map`);
  };
  const okchatPath = () => normalize(okchatVendor, okchatText, sessionId);
  const chatsPath = () => normalize(chatsV1, chatsText, chatId);
  const intercomPath = () =>
    normalize(intercomVendor, intercomText, conversationId, intercomMessages);

  const bench = new Bench({ time: 1_500, warmupTime: 300 });
  bench
    .add('okchat: JSON.parse only', () => {
      JSON.parse(okchatText);
    })
    .add('okchat: parse + validate + map', okchatPath)
    .add('chats-v1: JSON.parse only', () => {
      JSON.parse(chatsText);
    })
    .add('chats-v1: parse + validate + map', chatsPath)
    .add('intercom: JSON.parse only', () => {
      JSON.parse(intercomText);
    })
    .add('intercom: parse + validate + map', intercomPath);
  await bench.run();
  const p50 = (name: string) => {
    const task = bench.getTask(name);
    const result = task?.result;
    if (!result || !('latency' in result)) throw new Error(`no result for ${name}`);
    return result.latency.p50;
  };
  const rows: string[][] = [];
  for (const vendor of ['okchat', 'chats-v1', 'intercom']) {
    const floor = p50(`${vendor}: JSON.parse only`);
    const full = p50(`${vendor}: parse + validate + map`);
    const count = vendor === 'intercom' ? intercomMessages : RECORDS;
    const perSecond = (time: number) =>
      `${Math.round((count / time) * 1000).toLocaleString('en-US')}`;
    rows.push([
      vendor,
      `${floor.toFixed(2)} ms`,
      `${full.toFixed(2)} ms`,
      perSecond(full),
      ratio(full / floor),
    ]);
  }
  const kb = (text: string) => `${Math.round(text.length / 1024)} KiB`;
  return table(
    `2. Normalization of one page of ${RECORDS} records held in memory (okchat ${kb(okchatText)}, chats-v1 ${kb(chatsText)}, intercom ${kb(intercomText)} of which ${intercomMessages} messages; median)`,
    ['vendor', 'JSON.parse alone', 'parse + validate + map', 'messages/s', 'vs JSON.parse'],
    rows,
  );
}
