import { type ChatHistorySource, createChatsV1Source, createOkChatSource } from '../src/index.js';
import {
  createChatsV1Emulator,
  createOkChatEmulator,
  type Emulator,
  type LiveChange,
  type LiveDataOptions,
} from '../src/testing/index.js';
import { assert, ratio, table } from './support.js';

const RECORDS = 600;
const PAGE_SIZE = 20;
const PAGES = RECORDS / PAGE_SIZE;

interface Scenario {
  name: string;
  live?: LiveDataOptions;
}

const every = (change: LiveChange, nth: number): LiveDataOptions => ({
  listings: ['conversations'],
  schedule: (page) => (page.count % nth === 0 ? [change] : []),
});

const SCENARIOS: Scenario[] = [
  { name: 'static' },
  { name: 'insert at the front, every 2nd answer', live: every('insert', 2) },
  { name: 'delete from pages read, every 2nd answer', live: every('delete', 2) },
  { name: 'move to the front, every 2nd answer', live: every('move', 2) },
  { name: 'append, every 2nd answer', live: every('append', 2) },
  { name: 'any change, every 5th answer', live: { listings: ['conversations'], rate: 0.2 } },
];

function vendor(kind: 'okchat' | 'chats-v1', live: LiveDataOptions | undefined) {
  const common = { latencyMs: { min: 1, max: 6 }, seed: 11, ...(live ? { live } : {}) };
  if (kind === 'okchat') {
    const emulator = createOkChatEmulator({ conversations: RECORDS, ...common });
    const source: ChatHistorySource = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
    });
    const ids = () => emulator.conversations().map((record) => String(record.id));
    return { emulator: emulator as Emulator, source, ids };
  }
  const emulator = createChatsV1Emulator({ chats: RECORDS, ...common });
  const source: ChatHistorySource = createChatsV1Source({
    apiKey: emulator.apiKey,
    baseURL: 'https://chats.test',
    fetch: emulator.fetch,
  });
  const ids = () => emulator.chats().map((record) => String(record.id));
  return { emulator: emulator as Emulator, source, ids };
}

/**
 * 7. Drift: requests a listing of 600 conversations (30 pages of 20) makes while the vendor's
 * data changes under it, against the same listing of static data, and whether every record that
 * existed throughout was yielded exactly once.
 */
export async function driftBenchmark(): Promise<string> {
  const rows: string[][] = [];
  for (const kind of ['okchat', 'chats-v1'] as const) {
    for (const concurrency of [1, 8]) {
      let staticRequests = 0;
      for (const scenario of SCENARIOS) {
        const { emulator, source, ids } = vendor(kind, scenario.live);
        const before = new Set(ids());
        const listed = await source
          .listConversations({ pageSize: PAGE_SIZE, concurrency })
          .toArray();
        const after = new Set(ids());
        const yielded = listed.map((conversation) => conversation.id);
        const seen = new Set(yielded);
        const missing = [...before].filter((id) => after.has(id) && !seen.has(id)).length;
        assert(seen.size === yielded.length, `${kind} ${scenario.name}: a record yielded twice`);
        assert(missing === 0, `${kind} ${scenario.name}: ${missing} records lost`);
        const requests = emulator.stats.requests;
        if (scenario.live === undefined) staticRequests = requests;
        rows.push([
          kind,
          String(concurrency),
          scenario.name,
          String(requests),
          ratio(requests / staticRequests),
          String(missing),
        ]);
      }
    }
  }
  return table(
    `7. Drift: ${RECORDS} conversations in ${PAGES} pages while the vendor changes them (1 to 6 ms per answer, answers in any order)`,
    ['vendor', 'concurrency', 'changes', 'requests', 'vs static', 'lost'],
    rows,
  );
}
