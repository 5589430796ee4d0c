import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Helpers shared by the benchmarks: timing, medians and tables. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Runs `task` once to warm up (unless told not to), then `runs` times; the median in ms. */
export async function medianTime(
  runs: number,
  task: () => Promise<void>,
  { warmup = true }: { warmup?: boolean } = {},
): Promise<number> {
  if (warmup) await task();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return median(times);
}

export function table(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    `### ${title}`,
    '',
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
    '',
  ].join('\n');
}

export const ms = (value: number) => `${value.toFixed(0)} ms`;
export const ratio = (value: number) => `${value.toFixed(2)}x`;

export function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark check failed: ${message}`);
}

export interface RemoteSandbox {
  okchat: { url: string; apiKey: string; chatbotId: string };
  chatsV1: { url: string; apiKey: string };
  close(): Promise<void>;
}

/** Starts the emulators in a child process and returns where they listen. */
export async function startRemoteSandbox(options: object): Promise<RemoteSandbox> {
  const script = fileURLToPath(new URL('./sandbox-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  const info = JSON.parse(line) as Omit<RemoteSandbox, 'close'>;
  return {
    ...info,
    close: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** What a run of the built CLI in a child process gave: its output, time and peak RSS. */
export interface MeasuredCliRun {
  stdout: string;
  stderr: string;
  seconds: number;
  peakRss: number;
}

/**
 * Runs the built CLI in a child process with credentials for the remote sandbox's vendors (and
 * `env`), and reads its peak RSS at exit; a non-zero exit fails the benchmark.
 */
export async function runCliMeasured(
  sandbox: RemoteSandbox,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<MeasuredCliRun> {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const probe = `process.on('exit',()=>process.stderr.write('PEAK_RSS '+process.resourceUsage().maxRSS*1024+'\\n'));process.argv.splice(1,1);await import(process.argv[1]);`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', probe, 'probe', cli, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        OKCHAT_API_KEY: sandbox.okchat.apiKey,
        OKCHAT_CHATBOT_ID: sandbox.okchat.chatbotId,
        OKCHAT_BASE_URL: sandbox.okchat.url,
        CHATS_V1_API_KEY: sandbox.chatsV1.apiKey,
        CHATS_V1_BASE_URL: sandbox.chatsV1.url,
        ...env,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number];
  assert(code === 0, `${args[0]} exited with ${code}: ${stderr}`);
  return {
    stdout,
    stderr,
    seconds: (performance.now() - started) / 1000,
    peakRss: Number(/PEAK_RSS (\d+)/.exec(stderr)?.[1] ?? 0),
  };
}
