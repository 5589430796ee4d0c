import type { ChatHistorySource } from '../chat-history-source.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { createChatsV1Source } from '../providers/chats-v1/chats-v1-source.js';
import { createOkChatSource } from '../providers/okchat/okchat-source.js';
import { startSandbox } from '../testing/serve.js';
import { UsageError } from './usage-error.js';

export type SourceChoice = 'okchat' | 'chats-v1' | 'all';

/** A source to export from, with what the CLI says when its credentials are wrong. */
export interface ExportTarget {
  source: ChatHistorySource;
  /** Listing options specific to this source (`state` for OkChat). */
  state: string | undefined;
  /** How to fix a rejected key, for error messages. */
  keyHint: string;
}

export interface OpenedSources {
  targets: ExportTarget[];
  /** Every secret in play, to scrub from anything printed. */
  secrets: string[];
  close(): Promise<void>;
}

export interface SourceFlags {
  source?: string | undefined;
  sandbox?: boolean | undefined;
  state?: string | undefined;
  okchatApiKey?: string | undefined;
  okchatChatbotId?: string | undefined;
  okchatBaseUrl?: string | undefined;
  chatsV1ApiKey?: string | undefined;
  chatsV1BaseUrl?: string | undefined;
  sandboxConversations?: number | undefined;
  sandboxMessages?: number | undefined;
  sandboxLatency?: number | undefined;
}

const OKCHAT_KEY_HINT = 'check the OkChat API key (OKCHAT_API_KEY or --okchat-api-key)';
const CHATS_V1_KEY_HINT = 'check the Chats v1 API key (CHATS_V1_API_KEY or --chats-v1-api-key)';

/** Builds the sources to export from: the sandbox's, or real ones from flags and environment. */
export async function openSources(
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<OpenedSources> {
  const choice = readChoice(flags.source);
  if (flags.state !== undefined && choice === 'chats-v1') {
    throw new UsageError('--state filters OkChat conversations only; Chats v1 has no states');
  }
  const wantOkChat = (configured: boolean) =>
    choice === 'okchat' || choice === 'all' || (choice === undefined && configured);
  const wantChatsV1 = (configured: boolean) =>
    choice === 'chats-v1' || choice === 'all' || (choice === undefined && configured);

  if (flags.sandbox) {
    const sandbox = await startSandbox({
      okchat: {
        conversations: flags.sandboxConversations,
        messagesPerConversation: flags.sandboxMessages,
        latencyMs: flags.sandboxLatency,
      },
      chatsV1: {
        chats: flags.sandboxConversations,
        messagesPerChat: flags.sandboxMessages,
        latencyMs: flags.sandboxLatency,
      },
    });
    const okchat = sandbox.okchat.emulator;
    const chatsV1 = sandbox.chatsV1.emulator;
    const targets: ExportTarget[] = [];
    if (wantOkChat(true)) {
      targets.push({
        source: createOkChatSource({
          apiKey: okchat.apiKey,
          chatbotId: okchat.chatbotId,
          baseURL: sandbox.okchat.url,
        }),
        state: flags.state,
        keyHint: OKCHAT_KEY_HINT,
      });
    }
    if (wantChatsV1(true)) {
      targets.push({
        source: createChatsV1Source({ apiKey: chatsV1.apiKey, baseURL: sandbox.chatsV1.url }),
        state: undefined,
        keyHint: CHATS_V1_KEY_HINT,
      });
    }
    return { targets, secrets: [okchat.apiKey, chatsV1.apiKey], close: () => sandbox.close() };
  }

  const okchat = {
    apiKey: flags.okchatApiKey ?? env.OKCHAT_API_KEY,
    chatbotId: flags.okchatChatbotId ?? env.OKCHAT_CHATBOT_ID,
    baseURL: flags.okchatBaseUrl ?? env.OKCHAT_BASE_URL,
  };
  const chatsV1 = {
    apiKey: flags.chatsV1ApiKey ?? env.CHATS_V1_API_KEY,
    baseURL: flags.chatsV1BaseUrl ?? env.CHATS_V1_BASE_URL,
  };
  const okchatConfigured = Boolean(okchat.apiKey || okchat.chatbotId);
  const chatsV1Configured = Boolean(chatsV1.apiKey || chatsV1.baseURL);
  if (choice === undefined && !okchatConfigured && !chatsV1Configured) {
    throw new UsageError(
      'no credentials: set OKCHAT_API_KEY and OKCHAT_CHATBOT_ID, or CHATS_V1_API_KEY and CHATS_V1_BASE_URL (or try --sandbox)',
    );
  }
  const targets: ExportTarget[] = [];
  const secrets: string[] = [];
  if (wantOkChat(okchatConfigured)) {
    const apiKey = required(okchat.apiKey, 'OkChat API key', '--okchat-api-key', 'OKCHAT_API_KEY');
    const chatbotId = required(
      okchat.chatbotId,
      'OkChat chatbot id',
      '--okchat-chatbot-id',
      'OKCHAT_CHATBOT_ID',
    );
    secrets.push(apiKey);
    targets.push({
      source: asUsage(() =>
        createOkChatSource({ apiKey, chatbotId, baseURL: okchat.baseURL || undefined }),
      ),
      state: flags.state,
      keyHint: OKCHAT_KEY_HINT,
    });
  }
  if (wantChatsV1(chatsV1Configured)) {
    const apiKey = required(
      chatsV1.apiKey,
      'Chats v1 API key',
      '--chats-v1-api-key',
      'CHATS_V1_API_KEY',
    );
    const baseURL = required(
      chatsV1.baseURL,
      'Chats v1 base URL',
      '--chats-v1-base-url',
      'CHATS_V1_BASE_URL',
    );
    secrets.push(apiKey);
    targets.push({
      source: asUsage(() => createChatsV1Source({ apiKey, baseURL })),
      state: undefined,
      keyHint: CHATS_V1_KEY_HINT,
    });
  }
  return { targets, secrets, close: async () => undefined };
}

/** Every credential the flags and the environment hold, to keep out of anything printed. */
export function secretsGiven(
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  return [flags.okchatApiKey, env.OKCHAT_API_KEY, flags.chatsV1ApiKey, env.CHATS_V1_API_KEY].filter(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
}

function readChoice(value: string | undefined): SourceChoice | undefined {
  if (value === undefined) return undefined;
  if (value === 'okchat' || value === 'chats-v1' || value === 'all') return value;
  throw new UsageError(`--source must be okchat, chats-v1 or all, got "${value}"`);
}

function required(value: string | undefined, what: string, flag: string, variable: string): string {
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`missing ${what}: pass ${flag} or set ${variable}`);
  }
  return value;
}

/** Invalid settings (a base URL that is not http(s), say) are usage errors of the CLI. */
function asUsage<T>(create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (ChatHistoryError.is(error) && error.code === 'bad_request')
      throw new UsageError(error.message);
    throw error;
  }
}
