import { createWriteStream, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { abortedError } from '../errors/aborted.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import { LOSS_REASONS, type LossReason } from '../interop/losses.js';
import { MAX_CONCURRENCY } from '../paginate/paginate.js';
import type { InvalidRecord } from '../paginate/types.js';
import { createRedactor } from '../text/redact.js';
import { quoted, safeText } from '../text/safe-text.js';
import { VERSION } from '../version.js';
import {
  type EXPORT_OPTIONS,
  exportHelp,
  mainHelp,
  PARSE_OPTIONS,
  SYNC_PARSE_OPTIONS,
  syncHelp,
} from './cli-options.js';
import { INTERRUPT_EXIT_CODES, Interrupt } from './interrupt.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { type ExportTarget, openSources, SECRET_FLAGS, secretsGiven } from './open-sources.js';
import { Progress } from './progress.js';
import { EXPORT_FORMATS, type ExportFormat, runExport } from './run-export.js';
import { runSync } from './run-sync.js';
import { UsageError } from './usage-error.js';
import { VENDOR_FLAGS } from './vendor-flags.js';

/** Bounds of the sandbox's flags: what the emulators can hold and serve in one process. */
const MAX_SANDBOX_CONVERSATIONS = 100_000;
const MAX_SANDBOX_MESSAGES = 10_000;
const MAX_SANDBOX_LATENCY_MS = 60_000;

/** Where the CLI reads and writes: the process's own streams, or test doubles. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts the export (Ctrl-C). */
  signal?: AbortSignal;
}

const NAME = 'chat-history-kit';
const DEFAULT_CONCURRENCY = 4;
/** Invalid records described one by one; past this, only counted. */
const LISTED_INVALID_RECORDS = 20;
/** Exit code of an export that completed but skipped invalid vendor records. */
const EXIT_SKIPPED_RECORDS = 3;
/** Longest line printed, per line of a multi-line text (a stack trace). */
const LINE_LIMIT = 2000;

/**
 * Text as it may reach a terminal: each line's control characters escaped (a vendor cannot clear
 * the screen, set the window title or forge a line) and its length bounded.
 */
function printable(text: string): string {
  return text
    .split('\n')
    .map((line) => safeText(line, LINE_LIMIT))
    .join('\n');
}

/** Runs the command line and resolves to the process exit code. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  // Every key given, by flag or environment, is kept out of every line, usage errors included.
  const redactGiven = createRedactor([...secretsGiven({}, context.env), ...keysInArguments(argv)]);
  const say = (line: string) => context.stderr.write(`${printable(redactGiven(line))}\n`);
  const [command, ...rest] = argv;
  if (command === undefined) {
    // A usage error: the help goes to stderr, stdout stays for data.
    context.stderr.write(`${NAME}: a command is needed\n\n${mainHelp()}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    context.stdout.write(`${mainHelp()}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    context.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === 'sync') {
    return runCommand('sync', rest, { parse: parseSyncArgs, help: syncHelp, run: syncCommand });
  }
  if (command === 'export') {
    return runCommand('export', rest, {
      parse: parseExportArgs,
      help: exportHelp,
      run: exportCommand,
    });
  }
  say(`${NAME}: unknown command ${quoted(command, 40)}. Run '${NAME} --help' for the commands.`);
  return 2;

  /** Parses a command's arguments (a usage error exits 2), answers --help, or runs it. */
  async function runCommand<Values extends { help: boolean }>(
    name: string,
    args: readonly string[],
    spec: {
      parse(args: readonly string[]): Values;
      help(): string;
      run(values: Values, context: CliContext, say: (line: string) => void): Promise<number>;
    },
  ): Promise<number> {
    let values: Values;
    try {
      values = spec.parse(args);
    } catch (error) {
      say(`${NAME}: ${argumentProblem(error)}. Run '${NAME} ${name} --help' for usage.`);
      return 2;
    }
    if (values.help) {
      context.stdout.write(`${spec.help()}\n`);
      return 0;
    }
    return spec.run(values, context, say);
  }
}

/**
 * Refuses a value option given more than once: `parseArgs` keeps the last, so that
 * `--source okchat --source intercom` would sync intercom alone, without a word.
 */
function givenOnce(tokens: readonly { kind: string; name?: string; value?: unknown }[]): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined || token.name === undefined) continue;
    if (seen.has(token.name)) {
      throw new Error(`--${token.name} is given more than once; give it once`);
    }
    seen.add(token.name);
  }
}

function parseSyncArgs(args: readonly string[]) {
  const parsed = parseArgs({
    args: [...args],
    options: SYNC_PARSE_OPTIONS,
    strict: true,
    allowPositionals: true,
    tokens: true,
  });
  givenOnce(parsed.tokens);
  const { store, json, full } = parsed.values;
  for (const only of ['format', 'out', 'no-raw', 'state', 'max-conversations']) {
    if (args.some((arg) => arg === `--${only}` || arg.startsWith(`--${only}=`))) {
      throw new Error(`--${only} is an export option; sync does not take it`);
    }
  }
  const exportArgs = args.filter(
    (arg, index) =>
      !['--store', '--json', '--full'].includes(arg) &&
      !arg.startsWith('--store=') &&
      args[index - 1] !== '--store',
  );
  return {
    ...parseExportArgs(exportArgs),
    store: typeof store === 'string' ? store : 'history.duckdb',
    json: json === true,
    full: full === true,
  };
}

async function syncCommand(
  values: ReturnType<typeof parseSyncArgs>,
  context: CliContext,
  say: (line: string) => void,
): Promise<number> {
  let redact = createRedactor(secretsGiven(values, context.env));
  let targets: readonly ExportTarget[] = [];
  let close: () => Promise<void> = async () => {};
  try {
    const opened = await openSources(values, context.env);
    ({ targets, close } = opened);
    redact = createRedactor([...secretsGiven(values, context.env), ...opened.secrets]);
    await runSync(
      targets,
      {
        store: values.store,
        concurrency: values.concurrency,
        pageSize: values.pageSize,
        full: values.full,
        json: values.json,
        quiet: values.quiet,
        signal: context.signal,
      },
      { stdout: context.stdout, stderr: context.stderr },
    );
    return 0;
  } catch (error) {
    const interrupt = context.signal?.reason;
    return report(error, {
      values,
      targets,
      say,
      redact,
      interruptedWith: interrupt instanceof Interrupt ? interrupt.signal : undefined,
    });
  } finally {
    await close();
  }
}

function parseExportArgs(args: readonly string[]) {
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    options: PARSE_OPTIONS,
    strict: true,
    allowPositionals: true,
    tokens: true,
  });
  givenOnce(tokens);
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const textOf = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const text = (name: keyof typeof EXPORT_OPTIONS): string | undefined => textOf(name);
  const flag = (name: keyof typeof EXPORT_OPTIONS): boolean => values[name] === true;
  const format = text('format') ?? 'messages';
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) {
    throw new Error(`--format must be ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
  }
  return {
    help: flag('help'),
    sandbox: flag('sandbox'),
    quiet: flag('quiet'),
    debug: flag('debug'),
    includeRaw: !flag('no-raw'),
    format: format as ExportFormat,
    out: text('out'),
    source: text('source'),
    state: text('state'),
    concurrency:
      count(text('concurrency'), '--concurrency', 1, MAX_CONCURRENCY) ?? DEFAULT_CONCURRENCY,
    pageSize: count(text('page-size'), '--page-size', 1, 1000),
    maxConversations: count(text('max-conversations'), '--max-conversations', 1),
    vendorFlags: Object.fromEntries(
      VENDOR_FLAGS.flatMap(({ flags }) => flags.map((spec) => [spec.flag, textOf(spec.flag)])),
    ),
    // The emulators hold every conversation in memory, and a timer takes 24.8 days at most.
    sandboxConversations: count(
      text('sandbox-conversations'),
      '--sandbox-conversations',
      0,
      MAX_SANDBOX_CONVERSATIONS,
    ),
    sandboxMessages: count(text('sandbox-messages'), '--sandbox-messages', 0, MAX_SANDBOX_MESSAGES),
    sandboxLatency: count(text('sandbox-latency'), '--sandbox-latency', 0, MAX_SANDBOX_LATENCY_MS),
  };
}

async function exportCommand(
  values: ReturnType<typeof parseExportArgs>,
  context: CliContext,
  say: (line: string) => void,
): Promise<number> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(context.signal?.reason);
  if (context.signal?.aborted) onAbort();
  context.signal?.addEventListener('abort', onAbort, { once: true });
  // Every key given, whether or not it opens a source: none may be printed, even in an error
  // about the options themselves.
  let redact = createRedactor(secretsGiven(values, context.env));
  let targets: readonly ExportTarget[] = [];
  let close: () => Promise<void> = async () => {};
  let progress: Progress | undefined;
  let writer: NdjsonWriter | undefined;
  let skipped = 0;
  const losses = new Map<LossReason, number>();
  const destination = values.out ?? 'stdout';
  const onInvalidRecord = (record: InvalidRecord) => {
    skipped += 1;
    if (skipped <= LISTED_INVALID_RECORDS) {
      progress?.note(printable(redact(`${NAME}: warning: ${describeInvalid(record)}`)));
    }
  };
  try {
    // A destination that cannot be written is a usage error, found before any request.
    if (values.out !== undefined && values.out !== '-') checkDestination(values.out);
    const opened = await openSources(values, context.env);
    ({ targets, close } = opened);
    redact = createRedactor([...secretsGiven(values, context.env), ...opened.secrets]);
    // Opened now, still before any request: a file that cannot be written is found here.
    const stream =
      values.out === undefined || values.out === '-'
        ? context.stdout
        : createWriteStream('', { fd: openDestination(values.out) });
    writer = new NdjsonWriter(stream, controller.signal);
    progress = new Progress(context.stderr, values.quiet);
    await runExport(
      targets,
      {
        format: values.format,
        concurrency: values.concurrency,
        pageSize: values.pageSize,
        maxConversations: values.maxConversations,
        includeRaw: values.includeRaw,
        signal: controller.signal,
        onInvalidRecord,
        onWarning: (warning) =>
          progress?.note(printable(redact(`${NAME}: warning: ${warning.message}`))),
        onLoss: (loss) => losses.set(loss.reason, (losses.get(loss.reason) ?? 0) + 1),
      },
      writer,
      progress,
    );
    await writer.close(stream !== context.stdout);
    progress.finish({ destination, failed: false });
    if (losses.size > 0) {
      const counted = LOSS_REASONS.filter((reason) => losses.has(reason))
        .map((reason) => `${reason} ${losses.get(reason)}`)
        .join(', ');
      say(
        `${NAME}: openai-jsonl left out what OpenAI messages cannot carry: ${counted} (see docs/interop.md)`,
      );
    }
    if (skipped > 0) {
      say(
        `${NAME}: warning: ${skipped} invalid vendor record${skipped === 1 ? ' was' : 's were'} skipped and left out of the export${skipped > LISTED_INVALID_RECORDS ? ` (the first ${LISTED_INVALID_RECORDS} are listed above)` : ''}`,
      );
      return EXIT_SKIPPED_RECORDS;
    }
    return 0;
  } catch (error) {
    const interrupt = context.signal?.reason;
    const interrupted = interrupt instanceof Interrupt;
    const closedPipe = (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
    if (writer?.failed) {
      // The output itself failed (a full disk, a closed pipe): what was counted may not be in it.
      progress?.finish({ destination, failed: true, unwritten: true });
    } else if (!closedPipe || interrupted) {
      // Every line counted is written whole, and a file is closed, before the summary; a pipe
      // nobody reads any more is not waited for.
      await writer
        ?.close(writer.stream !== context.stdout, { wait: !interrupted })
        .catch(() => undefined);
      progress?.finish({ destination, failed: true, unwritten: writer?.failed ?? false });
    }
    // A reader that went away with the same Ctrl-C: the export was interrupted all the same.
    const failure = interrupted && closedPipe ? abortedError(controller.signal, undefined) : error;
    return report(failure, {
      values,
      targets,
      say,
      redact,
      interruptedWith: interrupt instanceof Interrupt ? interrupt.signal : undefined,
    });
  } finally {
    context.signal?.removeEventListener('abort', onAbort);
    await close();
  }
}

function report(
  error: unknown,
  {
    values,
    targets,
    say,
    redact,
    interruptedWith,
  }: {
    values: { debug: boolean };
    targets: readonly ExportTarget[];
    say: (line: string) => void;
    redact: (text: string) => string;
    interruptedWith: keyof typeof INTERRUPT_EXIT_CODES | undefined;
  },
): number {
  if (error instanceof UsageError) {
    say(`${NAME}: ${redact(error.message)}`);
    return 2;
  }
  if (
    interruptedWith === undefined &&
    (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE'
  ) {
    return 0;
  }
  if (ChatHistoryError.is(error)) {
    if (error.code === 'aborted') {
      say(`${NAME}: ${interruptedWith === 'SIGTERM' ? 'terminated' : 'interrupted'}`);
      return INTERRUPT_EXIT_CODES[interruptedWith ?? 'SIGINT'];
    }
    const hint = hintFor(error, targets);
    say(redact(`${NAME}: ${error.code}: ${error.message}${hint ? `. ${hint}` : ''}`));
  } else {
    say(redact(`${NAME}: ${error instanceof Error ? error.message : String(error)}`));
  }
  if (values.debug) {
    if (error instanceof Error && error.stack) say(redact(error.stack));
    if (ChatHistoryError.is(error)) say(redact(JSON.stringify(error.toJSON(), null, 2)));
  }
  return 1;
}

/**
 * Refuses a `--out` path that cannot become a file: its folder missing (it is not created), a
 * folder itself, or a path under a file.
 */
function checkDestination(out: string): void {
  const path = resolve(out);
  const folder = dirname(path);
  const kind = (target: string) => {
    try {
      return statSync(target).isDirectory() ? 'folder' : 'file';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') return 'forbidden';
      return code === 'ENOTDIR' ? 'under-file' : 'missing';
    }
  };
  // `dir/` names a folder, whether or not it exists.
  const target = /[\\/]$/.test(out) ? 'folder' : kind(path);
  if (target === 'forbidden') {
    throw new UsageError(`--out ${quoted(out, 200)} cannot be written: permission denied`);
  }
  if (target === 'folder') {
    throw new UsageError(`--out ${quoted(out, 200)} is a folder: give a file path in it`);
  }
  if (target === 'under-file') {
    throw new UsageError(`--out ${quoted(out, 200)} is under a file, not a folder`);
  }
  const parent = kind(folder);
  if (parent === 'forbidden') {
    throw new UsageError(
      `--out ${quoted(out, 200)} cannot be written: the folder ${quoted(folder, 200)} cannot be entered`,
    );
  }
  if (parent === 'missing' || parent === 'under-file') {
    throw new UsageError(
      `--out ${quoted(out, 200)}: the folder ${quoted(folder, 200)} does not exist (create it first)`,
    );
  }
  if (parent === 'file') {
    throw new UsageError(`--out ${quoted(out, 200)} is under a file, not a folder`);
  }
}

/** Opens (creating or emptying) the `--out` file; one that cannot be written is a usage error. */
function openDestination(out: string): number {
  try {
    return openSync(out, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'ENOENT' || code === 'ENOTDIR'
            ? 'its folder does not exist'
            : code;
    throw new UsageError(`--out ${quoted(out, 200)} cannot be written: ${why}`);
  }
}

/** What is wrong with the arguments, in this tool's words (Node's own wording quotes oddly). */
function argumentProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option ${quoted(option, 60)}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    const name = option.split(' ')[0] ?? option;
    if (/ambiguous/.test(error.message)) {
      return `${name} needs a value (for one starting with "-", write ${name}=-value)`;
    }
    return /argument missing/.test(error.message)
      ? `${name} needs a value`
      : `${name} takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'unexpected argument';
  return error.message;
}

/** Values of the `--*-api-key` flags, however they are written (`--flag value`, `--flag=value`). */
function keysInArguments(argv: readonly string[]): string[] {
  const keys: string[] = [];
  for (const [index, argument] of argv.entries()) {
    const [flag, inline] = argument.split(/=(.*)/s, 2);
    if (flag === undefined || !flag.startsWith('--')) continue;
    const name = flag.slice(2);
    if (!SECRET_FLAGS.has(name) && !/-(api-key|key|token|secret)$/.test(name)) continue;
    const value = inline ?? argv[index + 1];
    if (value !== undefined && value !== '') keys.push(value);
  }
  return keys;
}

function describeInvalid(record: InvalidRecord): string {
  const which = record.id === undefined ? `#${record.index}` : `${quoted(record.id, 100)}`;
  const issue = record.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
  return `skipped invalid ${record.source} record ${which}${where}: ${issue?.message ?? 'invalid'}`;
}

function hintFor(error: ChatHistoryError, targets: readonly ExportTarget[]): string | undefined {
  const target = targets.find((candidate) => candidate.source.id === error.source);
  switch (error.code) {
    case 'unauthorized':
    case 'forbidden':
      return target ? `Fix: ${target.keyHint}` : undefined;
    case 'not_found':
      return 'Fix: check the chatbot id and base URL';
    case 'rate_limited':
      return 'The vendor is limiting requests: try again later or lower --concurrency';
    case 'network':
    case 'timeout':
    case 'server_error':
      return 'The vendor could not answer: try again later';
    case 'invalid_response':
      return 'The vendor sent data this tool cannot read: run with --debug for details';
    default:
      return undefined;
  }
}

function count(
  value: string | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range}, got "${value}"`);
  }
  return number;
}
