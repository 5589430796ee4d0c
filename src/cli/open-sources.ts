import type { ChatHistorySource } from '../chat-history-source.js';
import { ChatHistoryError } from '../errors/chat-history-error.js';
import type { RegisteredVendor } from '../providers/registry.js';
import { startSandbox } from '../testing/serve.js';
import { UsageError } from './usage-error.js';
import { VENDOR_FLAGS, type VendorFlag } from './vendor-flags.js';

/** A source to export from, with what the CLI says when its credentials are wrong. */
export interface ExportTarget {
  source: ChatHistorySource;
  /** The `--state` filter, on the sources whose vendor filters by state. */
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
  /** Values of the vendors' own flags, by flag name (`okchat-api-key`). */
  vendorFlags?: Readonly<Record<string, string | undefined>>;
  sandboxConversations?: number | undefined;
  sandboxMessages?: number | undefined;
  sandboxLatency?: number | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Builds the sources to export from: the sandbox's, or real ones from flags and environment. */
export async function openSources(flags: SourceFlags, env: Environment): Promise<OpenedSources> {
  const choice = readChoice(flags.source);
  const chosen = VENDOR_FLAGS.filter(({ entry }) => choice === 'all' || entry.vendor.id === choice);
  if (flags.state !== undefined && choice !== undefined && choice !== 'all') {
    const [only] = chosen;
    if (only !== undefined && !filtersByState(only.entry)) {
      const others = VENDOR_FLAGS.filter(({ entry }) => filtersByState(entry)).map(
        ({ entry }) => entry.vendor.name,
      );
      throw new UsageError(
        `--state filters ${others.join(', ')} conversations only; ${only.entry.vendor.name} has no states`,
      );
    }
  }
  const target = (entry: RegisteredVendor, source: ChatHistorySource): ExportTarget => ({
    source,
    state: filtersByState(entry) ? flags.state : undefined,
    keyHint: keyHint(entry),
  });

  if (flags.sandbox) {
    const size = {
      conversations: flags.sandboxConversations,
      messagesPerConversation: flags.sandboxMessages,
    };
    const latency = flags.sandboxLatency === undefined ? {} : { latencyMs: flags.sandboxLatency };
    const sandbox = await startSandbox(
      Object.fromEntries(
        VENDOR_FLAGS.map(({ entry }) => [
          entry.sandboxKey,
          { ...entry.sandboxOptions(size), ...latency },
        ]),
      ),
    );
    const targets: ExportTarget[] = [];
    const secrets: string[] = [];
    for (const { entry } of VENDOR_FLAGS) {
      const served = sandbox[entry.sandboxKey];
      secrets.push(served.emulator.apiKey);
      if (choice !== undefined && choice !== 'all' && entry.vendor.id !== choice) continue;
      targets.push(target(entry, createSource(entry, sourceOptions(entry, served))));
    }
    return { targets, secrets, close: () => sandbox.close() };
  }

  const given = VENDOR_FLAGS.map(({ entry, flags: vendorFlags }) => {
    const values = new Map(
      vendorFlags.map((flag) => [flag, readFlag(flag, flags.vendorFlags, env)] as const),
    );
    const configured = [...values].some(([flag, value]) => flag.spec.required && value);
    return { entry, values, configured };
  });
  if (choice === undefined && !given.some((vendor) => vendor.configured)) {
    const ways = given.map(({ values }) =>
      [...values.keys()]
        .filter((flag) => flag.spec.required)
        .map((flag) => flag.env)
        .join(' and '),
    );
    throw new UsageError(`no credentials: set ${ways.join(', or ')} (or try --sandbox)`);
  }
  const targets: ExportTarget[] = [];
  const secrets: string[] = [];
  for (const { entry, values, configured } of given) {
    const wanted =
      choice === undefined ? configured : choice === 'all' || entry.vendor.id === choice;
    if (!wanted) continue;
    const options: Record<string, string> = {};
    for (const [flag, value] of values) {
      if (value === undefined || value.trim() === '') {
        if (flag.spec.required) {
          throw new UsageError(
            `missing ${entry.vendor.name} ${flag.spec.label}: pass --${flag.flag} or set ${flag.env}`,
          );
        }
        continue;
      }
      options[flag.option] = value;
      if (flag.spec.secret) secrets.push(value);
    }
    targets.push(
      target(
        entry,
        asUsage(() => createSource(entry, options)),
      ),
    );
  }
  return { targets, secrets, close: async () => undefined };
}

/** Every credential the flags and the environment hold, to keep out of anything printed. */
export function secretsGiven(flags: SourceFlags, env: Environment): string[] {
  return VENDOR_FLAGS.flatMap(({ flags: vendorFlags }) =>
    vendorFlags
      .filter((flag) => flag.spec.secret)
      .flatMap((flag) => [flags.vendorFlags?.[flag.flag], env[flag.env]]),
  ).filter((value): value is string => typeof value === 'string' && value.trim() !== '');
}

/** Flag names that carry a credential, to find keys in a command line that does not parse. */
export const SECRET_FLAGS: ReadonlySet<string> = new Set(
  VENDOR_FLAGS.flatMap(({ flags }) =>
    flags.filter((flag) => flag.spec.secret).map((flag) => flag.flag),
  ),
);

function readFlag(
  flag: VendorFlag,
  values: SourceFlags['vendorFlags'],
  env: Environment,
): string | undefined {
  return values?.[flag.flag] ?? env[flag.env];
}

function filtersByState(entry: RegisteredVendor): boolean {
  return entry.vendor.conversations?.filters.state === true;
}

function keyHint(entry: RegisteredVendor): string {
  const keys = (VENDOR_FLAGS.find((vendor) => vendor.entry === entry)?.flags ?? []).filter(
    (flag) => flag.spec.secret,
  );
  return keys
    .map(
      (flag) => `check the ${entry.vendor.name} ${flag.spec.label} (${flag.env} or --${flag.flag})`,
    )
    .join('; ');
}

/** The registry keeps each vendor's types; here any vendor's options are built as data. */
function createSource(entry: RegisteredVendor, options: object): ChatHistorySource {
  return (entry.vendor.createSource as (options: object) => ChatHistorySource)(options);
}

function sourceOptions(
  entry: RegisteredVendor,
  served: { url: string; emulator: unknown },
): object {
  return (entry.sandboxSource as (emulator: unknown, url: string) => object)(
    served.emulator,
    served.url,
  );
}

function readChoice(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ids = VENDOR_FLAGS.map(({ entry }) => entry.vendor.id);
  if (value === 'all' || ids.includes(value)) return value;
  throw new UsageError(`--source must be ${ids.join(', ')} or all, got "${value}"`);
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
