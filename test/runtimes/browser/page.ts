// A page that lists every vendor's history from a sandbox on another origin, as an app would:
// bundled for the browser with the library, no polyfill. It leaves its findings on `window`.
import {
  ChatHistoryError,
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  exportHistory,
} from 'chat-history-kit';

interface Findings {
  counts: Record<string, number>;
  conversations: number;
  refused?: { code: string; retryable: boolean; message: string };
}

// Typed here: the project compiles without the DOM library.
const page = globalThis as unknown as {
  findings?: Findings;
  failure?: string;
  location: { search: string };
};
const query = new URLSearchParams(page.location.search);
const param = (name: string) => query.get(name) ?? '';

async function run(): Promise<Findings> {
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
  for await (const { conversation, messages } of exportHistory(sources, { concurrency: 6 })) {
    conversations += 1;
    counts[conversation.source] = (counts[conversation.source] ?? 0) + messages.length;
  }
  const findings: Findings = { counts, conversations };
  const closed = param('closed');
  if (closed !== '') {
    // An emulator served without CORS: the browser refuses its answers.
    try {
      await createChatsV1Source({ apiKey: 'k', baseURL: closed, retry })
        .listConversations()
        .toArray();
    } catch (error) {
      if (!ChatHistoryError.is(error)) throw error;
      findings.refused = { code: error.code, retryable: error.retryable, message: error.message };
    }
  }
  return findings;
}

run().then(
  (findings) => {
    page.findings = findings;
  },
  (error: unknown) => {
    page.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  },
);
