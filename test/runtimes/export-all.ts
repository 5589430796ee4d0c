// What every runtime test runs with the library, bundled into a page, an edge function or a
// Worker: every vendor's history exported from the sandbox URLs a query names. No Node built-in.
import {
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  exportHistory,
} from 'chat-history-kit';

/** Messages exported per vendor, and the conversations they came in. */
export interface Exported {
  counts: Record<string, number>;
  conversations: number;
}

/** The query that tells `exportAll` where a sandbox's emulators are, and their keys. */
export function sandboxQuery(sandbox: {
  okchat: { url: string; emulator: { apiKey: string; chatbotId: string } };
  chatsV1: { url: string; emulator: { apiKey: string } };
  intercom: { url: string; emulator: { accessToken: string } };
}): URLSearchParams {
  return new URLSearchParams({
    okchat: sandbox.okchat.url,
    okchatKey: sandbox.okchat.emulator.apiKey,
    chatbotId: sandbox.okchat.emulator.chatbotId,
    chatsV1: sandbox.chatsV1.url,
    chatsV1Key: sandbox.chatsV1.emulator.apiKey,
    intercom: sandbox.intercom.url,
    intercomToken: sandbox.intercom.emulator.accessToken,
  });
}

/** Exports every vendor's history from the emulators `query` names. */
export async function exportAll(query: URLSearchParams, concurrency: number): Promise<Exported> {
  const param = (name: string) => query.get(name) ?? '';
  const retry = { baseDelayMs: 1, maxDelayMs: 5 };
  const sources = [
    createOkChatSource({
      apiKey: param('okchatKey'),
      chatbotId: param('chatbotId'),
      baseURL: param('okchat'),
      retry,
    }),
    createChatsV1Source({ apiKey: param('chatsV1Key'), baseURL: param('chatsV1'), retry }),
    createIntercomSource({
      accessToken: param('intercomToken'),
      baseURL: param('intercom'),
      pageSize: 3,
      retry,
    }),
  ];
  const counts: Record<string, number> = {};
  let conversations = 0;
  for await (const { conversation, messages } of exportHistory(sources, { concurrency })) {
    conversations += 1;
    counts[conversation.source] = (counts[conversation.source] ?? 0) + messages.length;
  }
  return { counts, conversations };
}
