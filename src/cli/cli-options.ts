import type { ParseArgsConfig } from 'node:util';
import { VENDORS } from '../providers/registry.js';
import { VENDOR_FLAGS } from './vendor-flags.js';

/** One option of the `export` command, as parsed and as shown by `--help`. */
interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias: `-h`. */
  short?: string;
  value?: string;
  env?: string;
  help: string;
}

const STATE_VENDORS = VENDORS.filter((entry) => entry.vendor.conversations?.filters.state)
  .map((entry) => entry.vendor.name)
  .join(', ');

/** The options of `export` that are not a vendor's: vendor flags come from the registry. */
export const EXPORT_OPTIONS = {
  source: {
    type: 'string',
    value: `${VENDORS.map((entry) => entry.vendor.id).join('|')}|all`,
    help: 'Vendor to export. Default: all (with --sandbox), else every vendor with credentials.',
  },
  sandbox: {
    type: 'boolean',
    help: 'Start every vendor emulator on 127.0.0.1 and export from them: no account needed.',
  },
  format: {
    type: 'string',
    value: 'messages|conversations|openai-jsonl',
    help: 'messages: one Message per line (default). conversations: one Conversation per line with its messages. openai-jsonl: one {"messages": [...]} per conversation, as OpenAI Chat Completions messages (fine-tuning and evals); what they cannot carry is counted on stderr.',
  },
  out: {
    type: 'string',
    value: 'FILE',
    help: 'Write NDJSON to FILE instead of stdout.',
  },
  state: {
    type: 'string',
    value: 'STATE',
    help: `Only conversations in this state (in_progress, ...), from ${STATE_VENDORS}.`,
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
  'sandbox-conversations': {
    type: 'string',
    value: 'N',
    help: "With --sandbox: conversations per vendor, at most 100,000 (default: each emulator's own).",
  },
  'sandbox-messages': {
    type: 'string',
    value: 'N',
    help: 'With --sandbox: messages per conversation, at most 10,000 (default 2 to 30, drawn per conversation).',
  },
  'sandbox-latency': {
    type: 'string',
    value: 'MS',
    help: 'With --sandbox: milliseconds each emulated request takes, at most 60,000 (default 0).',
  },
  'no-raw': {
    type: 'boolean',
    help: "Leave each record's vendor original (raw) out: smaller output, canonical fields only.",
  },
  quiet: { type: 'boolean', help: 'No progress display and no summary.' },
  debug: { type: 'boolean', help: 'On failure, print the stack trace and error details.' },
  help: { type: 'boolean', short: 'h', help: 'Show this help.' },
} as const satisfies Record<string, OptionSpec>;

export type ExportOptionName = keyof typeof EXPORT_OPTIONS;

/** Every option of `export` with its spec, vendor flags after the general ones they follow. */
function allOptions(): [string, OptionSpec][] {
  const general: [string, OptionSpec][] = Object.entries(EXPORT_OPTIONS);
  const at = general.findIndex(([name]) => name === 'max-conversations') + 1;
  const vendor: [string, OptionSpec][] = VENDOR_FLAGS.flatMap(({ flags }) =>
    flags.map((flag): [string, OptionSpec] => [
      flag.flag,
      { type: 'string', value: valueName(flag.option), env: flag.env, help: flag.help },
    ]),
  );
  return [...general.slice(0, at), ...vendor, ...general.slice(at)];
}

function valueName(option: string): string {
  if (/token/i.test(option)) return 'TOKEN';
  if (/key|secret/i.test(option)) return 'KEY';
  if (/url/i.test(option)) return 'URL';
  if (/id$/i.test(option)) return 'ID';
  // `apiVersion` -> `API_VERSION`.
  return option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  allOptions().map(([name, spec]) => [
    name,
    spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
  ]),
);

export function exportHelp(): string {
  const rows = allOptions().map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` <${spec.value}>` : ''}`;
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
    '  3 done but invalid vendor records were skipped (each named on stderr),',
    '  130 interrupted (Ctrl-C), 143 terminated (SIGTERM): the output then holds complete lines only.',
  ].join('\n');
}

export function mainHelp(): string {
  return [
    'Usage: chat-history-kit <command> [options]',
    '',
    'Commands:',
    '  sync      Keep a DuckDB file or PostgreSQL database in sync (chat-history-kit sync --help)',
    '  export    Export conversation history as NDJSON (chat-history-kit export --help)',
    '',
    'Options:',
    '  -v, --version  Print the version',
    '  -h, --help     Show this help',
  ].join('\n');
}

/** The options `sync` adds to those of `export` it shares (sources, credentials, sandbox). */
const SYNC_OPTIONS: [string, { type: 'string' | 'boolean'; value?: string; help: string }][] = [
  [
    'store',
    {
      type: 'string',
      value: 'PATH|postgres://...',
      help: 'Where to keep the history: a DuckDB file (default history.duckdb) or a PostgreSQL URL.',
    },
  ],
  [
    'full',
    {
      type: 'boolean',
      help: 'List and read everything again (finds deletes an incremental sync cannot see).',
    },
  ],
  ['json', { type: 'boolean', help: 'Print the sync report as one JSON line on stdout.' }],
];

/** What `sync` parses: its own options and those of `export` it takes. */
export const SYNC_PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...PARSE_OPTIONS,
  ...Object.fromEntries(SYNC_OPTIONS.map(([name, spec]) => [name, { type: spec.type }])),
};

/** `sync --help`. */
export function syncHelp(): string {
  const shared = exportHelp()
    .split('\n')
    .filter((line) => line.startsWith('  -'))
    .filter((line) => !/--(format|out|no-raw|state|max-conversations)\b/.test(line));
  const own = SYNC_OPTIONS.map(([name, spec]) => {
    const flag = `--${name}${spec.value ? ` <${spec.value}>` : ''}`;
    return `  ${flag.padEnd(40)} ${spec.help}`;
  });
  return [
    'Usage: chat-history-kit sync [--store history.duckdb | postgres://...] [options]',
    '',
    'Brings the store up to date with every vendor that has credentials (or the sandbox):',
    'new and changed conversations, new messages, deletes. Safe to stop and run again.',
    '',
    'Options:',
    ...own,
    ...shared,
    '',
    'Examples:',
    '  chat-history-kit sync --sandbox --store sandbox.duckdb',
    '  OKCHAT_API_KEY=... OKCHAT_CHATBOT_ID=... chat-history-kit sync --store postgres://localhost/history',
    '',
    'Exit codes: 0 done, 1 a vendor or the store failed (its error code on stderr; the other',
    '  vendors were synced and committed), 2 bad usage or missing credentials, 130 interrupted',
    '  (Ctrl-C), 143 terminated (SIGTERM): what was committed stays, run it again to go on.',
  ].join('\n');
}
