import type { ParseArgsConfig } from 'node:util';

/** One option of the `export` command, as parsed and as shown by `--help`. */
interface OptionSpec {
  type: 'string' | 'boolean';
  value?: string;
  env?: string;
  help: string;
}

export const EXPORT_OPTIONS = {
  source: {
    type: 'string',
    value: 'okchat|chats-v1|all',
    help: 'Vendor to export. Default: all (with --sandbox), else every vendor with credentials.',
  },
  sandbox: {
    type: 'boolean',
    help: 'Start both vendor emulators on 127.0.0.1 and export from them: no account needed.',
  },
  format: {
    type: 'string',
    value: 'messages|conversations',
    help: 'messages: one Message per line (default). conversations: one Conversation per line with its messages.',
  },
  out: {
    type: 'string',
    value: 'FILE',
    help: 'Write NDJSON to FILE instead of stdout.',
  },
  state: {
    type: 'string',
    value: 'STATE',
    help: 'Only OkChat conversations in this state (in_progress, ...).',
  },
  concurrency: {
    type: 'string',
    value: 'N',
    help: 'Requests in flight at once, 1 to 64 (default 4).',
  },
  'page-size': {
    type: 'string',
    value: 'N',
    help: 'Records per request (default 50).',
  },
  'max-conversations': {
    type: 'string',
    value: 'N',
    help: 'Stop after N conversations from each vendor.',
  },
  'okchat-api-key': {
    type: 'string',
    value: 'KEY',
    env: 'OKCHAT_API_KEY',
    help: 'OkChat API key (prefer the environment variable: flags show in process lists).',
  },
  'okchat-chatbot-id': {
    type: 'string',
    value: 'ID',
    env: 'OKCHAT_CHATBOT_ID',
    help: 'OkChat chatbot whose history to export.',
  },
  'okchat-base-url': {
    type: 'string',
    value: 'URL',
    env: 'OKCHAT_BASE_URL',
    help: 'OkChat API base URL (default https://v2.okchat.ai).',
  },
  'chats-v1-api-key': {
    type: 'string',
    value: 'KEY',
    env: 'CHATS_V1_API_KEY',
    help: 'Chats v1 API key (prefer the environment variable).',
  },
  'chats-v1-base-url': {
    type: 'string',
    value: 'URL',
    env: 'CHATS_V1_BASE_URL',
    help: 'Chats v1 deployment base URL, e.g. https://api.example.com.',
  },
  'sandbox-conversations': {
    type: 'string',
    value: 'N',
    help: 'With --sandbox: conversations per vendor (default 40 OkChat, 20 Chats v1).',
  },
  'sandbox-messages': {
    type: 'string',
    value: 'N',
    help: 'With --sandbox: messages per conversation (default 2 to 30, drawn per conversation).',
  },
  'sandbox-latency': {
    type: 'string',
    value: 'MS',
    help: 'With --sandbox: milliseconds each emulated request takes (default 0).',
  },
  quiet: { type: 'boolean', help: 'No progress display and no summary.' },
  debug: { type: 'boolean', help: 'On failure, print the stack trace and error details.' },
  help: { type: 'boolean', help: 'Show this help.' },
} as const satisfies Record<string, OptionSpec>;

export type ExportOptionName = keyof typeof EXPORT_OPTIONS;

export const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  Object.entries(EXPORT_OPTIONS).map(([name, spec]) => [name, { type: spec.type }]),
);

export function exportHelp(): string {
  const rows = Object.entries(EXPORT_OPTIONS).map(([name, spec]: [string, OptionSpec]) => {
    const flag = `--${name}${spec.value ? ` <${spec.value}>` : ''}`;
    const env = spec.env ? ` [env ${spec.env}]` : '';
    return `  ${flag.padEnd(40)} ${spec.help}${env}`;
  });
  return [
    'Usage: chat-history-kit export [options]',
    '',
    'Export conversation history as NDJSON, one canonical record per line.',
    '',
    'Options:',
    ...rows,
    '',
    'Examples:',
    '  chat-history-kit export --sandbox --out sandbox-export.ndjson',
    '  OKCHAT_API_KEY=... OKCHAT_CHATBOT_ID=... chat-history-kit export --source okchat --state in_progress > okchat.ndjson',
    '',
    'Exit codes: 0 done, 1 export failed, 2 bad usage or missing credentials,',
    '  3 done but invalid vendor records were skipped (each named on stderr), 130 interrupted.',
  ].join('\n');
}

export function mainHelp(): string {
  return [
    'Usage: chat-history-kit <command> [options]',
    '',
    'Commands:',
    '  export    Export conversation history as NDJSON (chat-history-kit export --help)',
    '',
    'Options:',
    '  --version  Print the version',
    '  --help     Show this help',
  ].join('\n');
}
