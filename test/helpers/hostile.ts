import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import {
  type ConversationExport,
  createOkChatSource,
  exportHistory,
  type InvalidRecord,
  type OkChatSourceOptions,
} from '../../src/index.js';
import { SECRET_FRAGMENT_LENGTH } from '../../src/text/redact.js';
import { type LoopbackServer, startLoopbackServer } from './loopback-server.js';

/** The key every hostile-vendor test hands to its source. */
export const KEY = 'sk-live-4f9a1c7e2b8d6035aa1f';
export const CHATBOT = 'bot-1';
export const CONVERSATIONS_PATH = `/api/external/chatbot/${CHATBOT}/conversations`;

/** An OkChat page envelope around `records`. */
export function okchatPage(records: readonly unknown[], totalPages = 1): string {
  return JSON.stringify({
    data: records,
    metadata: { currentPage: 1, pageSize: 50, totalCount: records.length, totalPages },
  });
}

export function okchatConversation(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    chatbot_id: CHATBOT,
    platform: 'web',
    created_at: '2025-03-05T04:25:58.059835+00:00',
    ...extra,
  };
}

export function okchatMessage(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    sender_type: 'user',
    content: 'hello',
    created_at: '2025-03-05T04:25:58.059835+00:00',
    ...extra,
  };
}

export function okchatSource(baseURL: string, options: Partial<OkChatSourceOptions> = {}) {
  return createOkChatSource({
    apiKey: KEY,
    chatbotId: CHATBOT,
    baseURL,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

/** Answers JSON `body` with `status`. */
export function sendJson(response: ServerResponse, body: string, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

/** Servers started by a test file, closed after each test. */
export class Servers {
  readonly #open: LoopbackServer[] = [];

  async start(
    handler: (request: IncomingMessage, response: ServerResponse, index: number) => void,
  ): Promise<LoopbackServer> {
    const server = await startLoopbackServer(handler);
    this.#open.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((server) => server.close()));
  }
}

/** Fails when `text` holds any run of {@link SECRET_FRAGMENT_LENGTH} characters of `secret`. */
export function expectNoFragment(text: string, secret: string = KEY): void {
  for (let start = 0; start + SECRET_FRAGMENT_LENGTH <= secret.length; start++) {
    const fragment = secret.slice(start, start + SECRET_FRAGMENT_LENGTH);
    if (text.includes(fragment)) {
      expect.fail(`found ${JSON.stringify(fragment)} (a fragment of the key) in: ${text}`);
    }
  }
}

/** Runs the CLI in this process with only `env` as its environment; what it wrote, and its code. */
export async function runCliInProcess(args: string[], env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await runCli(args, { stdout, stderr, env });
  return { code, stdout: out, stderr: err, output: out + err };
}

/**
 * An OkChat vendor whose conversation listing is `listing` (JSON text, so it can hold what a JS
 * value cannot), and whose every conversation has one message, `m-of-<id>`.
 */
export function startListingVendor(servers: Servers, listing: string) {
  return servers.start((request, response) => {
    if (request.url?.startsWith(`${CONVERSATIONS_PATH}?`)) {
      sendJson(response, listing);
      return;
    }
    sendJson(response, okchatPage([okchatMessage(`m-of-${request.url?.split('/').at(-2)}`)]));
  });
}

/** Exports every conversation from `baseURL`, collecting the invalid records on the way. */
export async function exportCollecting(baseURL: string) {
  const invalid: InvalidRecord[] = [];
  const exported: ConversationExport[] = [];
  for await (const entry of exportHistory(okchatSource(baseURL), {
    onInvalidRecord: (record) => invalid.push(record),
  })) {
    exported.push(entry);
  }
  return { invalid, exported };
}
