// Runs the built library on whatever runtime executes this file (Node, Bun, Deno): every
// vendor's emulator over loopback (startSandbox, honouring port when one is given as the first
// argument), every conversation's messages through exportHistory, and one line of JSON out.
import {
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  exportHistory,
} from '../../dist/index.js';
import { startSandbox } from '../../dist/testing/index.js';

const port = Number(globalThis.process?.argv?.[2] ?? globalThis.Deno?.args?.[0] ?? 0);
const sandbox = await startSandbox({
  port,
  okchat: {
    conversations: 6,
    faults: { rate: 0.3, firstAttemptsOnly: true, kinds: ['503', 'drop'], retryAfterSeconds: 0 },
  },
  chatsV1: { chats: 4 },
  intercom: { conversations: 5 },
});
try {
  const retry = { baseDelayMs: 1, maxDelayMs: 5 };
  const sources = [
    createOkChatSource({
      apiKey: sandbox.okchat.emulator.apiKey,
      chatbotId: sandbox.okchat.emulator.chatbotId,
      baseURL: sandbox.okchat.url,
      pageSize: 4,
      retry,
    }),
    createChatsV1Source({
      apiKey: sandbox.chatsV1.emulator.apiKey,
      baseURL: sandbox.chatsV1.url,
      pageSize: 5,
      retry,
    }),
    createIntercomSource({
      accessToken: sandbox.intercom.emulator.accessToken,
      baseURL: sandbox.intercom.url,
      pageSize: 2,
      retry,
    }),
  ];
  const counts = { okchat: 0, 'chats-v1': 0, intercom: 0 };
  let conversations = 0;
  for await (const { conversation, messages } of exportHistory(sources, { concurrency: 8 })) {
    conversations += 1;
    counts[conversation.source] += messages.length;
  }
  const expected = {
    okchat: sandbox.okchat.emulator.totalMessages(),
    'chats-v1': sandbox.chatsV1.emulator.totalMessages(),
    intercom: sandbox.intercom.emulator.totalMessages(),
  };
  console.log(
    JSON.stringify({
      conversations,
      counts,
      expected,
      faults: sandbox.okchat.emulator.stats.faults,
      urls: [sandbox.okchat.url, sandbox.chatsV1.url, sandbox.intercom.url],
    }),
  );
} finally {
  await sandbox.close();
}
