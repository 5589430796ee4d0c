// A page that lists every vendor's history from a sandbox on another origin, as an app would:
// bundled for the browser with the library, no polyfill. It leaves its findings on the window.
import { ChatHistoryError, createChatsV1Source } from 'chat-history-kit';
import { type Exported, exportAll } from '../export-all.js';

interface Findings extends Exported {
  refused?: { code: string; retryable: boolean; message: string };
}

// Typed here: the project compiles without the DOM library.
const page = globalThis as unknown as {
  findings?: Findings;
  failure?: string;
  location: { search: string };
};
const query = new URLSearchParams(page.location.search);

async function run(): Promise<Findings> {
  const findings: Findings = await exportAll(query, 6);
  const closed = query.get('closed');
  if (closed !== null) {
    // An emulator served without CORS: the browser refuses its answers.
    try {
      const retry = { baseDelayMs: 1, maxDelayMs: 5 };
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
