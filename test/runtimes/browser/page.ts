// A page that lists every vendor's history from a sandbox on another origin, as an app would:
// bundled for the browser with the library, no polyfill. It leaves its findings on the window.
import { ChatHistoryError, createChatsV1Source } from 'chat-history-kit';
import { type Exported, exportAll } from '../export-all.js';

interface Outcome {
  code: string;
  retryable: boolean;
  message: string;
}

interface Findings extends Exported {
  /** A server without CORS headers. */
  refused?: Outcome;
  /** A server that is down. */
  down?: Outcome;
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
  // An emulator served without CORS (the browser refuses its answers), and a port nobody
  // listens on (the network fails).
  for (const [name, baseURL] of [
    ['refused', query.get('closed')],
    ['down', query.get('down')],
  ] as const) {
    if (baseURL === null) continue;
    try {
      const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
      await createChatsV1Source({ apiKey: 'k', baseURL, retry }).listConversations().toArray();
    } catch (error) {
      if (!ChatHistoryError.is(error)) throw error;
      findings[name] = { code: error.code, retryable: error.retryable, message: error.message };
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
