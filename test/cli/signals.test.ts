import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
/** A sandbox export slow enough to be stopped in the middle. */
const SLOW_EXPORT = ['export', '--sandbox', '--sandbox-latency', '30', '--concurrency', '2'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chk-signals-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Waits until `ready()` holds (polled), then returns. */
async function until(ready: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the output file holds: its lines, and whether the last one is complete. */
async function linesOf(file: string): Promise<{ lines: unknown[]; complete: boolean }> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop();
  return { lines: lines.map((line) => JSON.parse(line)), complete: last === '' };
}

function stoppedAfter(output: string): number {
  const match = /stopped after ([\d,]+) messages from [\d,]+ conversations/.exec(output);
  if (match === null) throw new Error(`no summary in:\n${output}`);
  return Number(match[1]?.replaceAll(',', ''));
}

describe('stopping an export', () => {
  it.each([
    ['SIGINT', 130, 'interrupted'],
    ['SIGTERM', 143, 'terminated'],
  ] as const)(
    'without a terminal, %s ends it normally with exit %i, a summary, and whole lines',
    async (signal, exitCode, word) => {
      const out = join(dir, `${signal}.ndjson`);
      const child = spawn(process.execPath, [CLI, ...SLOW_EXPORT, '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      const ended = new Promise<Ended>((resolve) =>
        child.on('exit', (code, killedBy) => resolve({ code, signal: killedBy, output })),
      );
      await until(async () => (await stat(out).catch(() => undefined))?.size !== undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill(signal);
      const result = await ended;
      // Ended by itself, not killed by the signal.
      expect(result.signal).toBeNull();
      expect(result.code).toBe(exitCode);
      expect(output).toMatch(new RegExp(`chat-history-kit: ${word}\\n$`));
      const written = await linesOf(out);
      expect(written.complete).toBe(true);
      expect(written.lines).toHaveLength(stoppedAfter(output));
    },
    30_000,
  );

  it('writing to a pipe whose reader stopped reading, Ctrl-C still ends it: exit 130, interrupted', async () => {
    const child = spawn(process.execPath, [CLI, ...SLOW_EXPORT], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += String(chunk);
    });
    const ended = new Promise<Ended>((resolve) =>
      child.on('exit', (code, killedBy) => resolve({ code, signal: killedBy, output: errors })),
    );
    // Read a little, then stop reading: the pipe fills and the export waits on it.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    const result = await ended;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(errors).toMatch(/chat-history-kit: interrupted\n$/);
    child.stdout.destroy();
  }, 30_000);

  it('a signal that came before the export started stops it at once', async () => {
    const { runCli } = await import('../../src/cli/run-cli.js');
    const { Interrupt } = await import('../../src/cli/interrupt.js');
    const controller = new AbortController();
    controller.abort(new Interrupt('SIGTERM'));
    const errors: string[] = [];
    const stderr = new Writable({
      write(chunk, _encoding, callback) {
        errors.push(String(chunk));
        callback();
      },
    });
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    const code = await runCli(['export', '--sandbox', '--quiet'], {
      stdout,
      stderr,
      env: {},
      signal: controller.signal,
    });
    expect(code).toBe(143);
    expect(errors.join('')).toMatch(/chat-history-kit: terminated\n$/);
  });

  it('on a terminal (a real pseudo-terminal), Ctrl-C ends it with exit 130, a summary, and whole lines', async () => {
    const out = join(dir, 'terminal.ndjson');
    const command = [process.execPath, CLI, ...SLOW_EXPORT, '--out', out]
      .map((part) => `'${part}'`)
      .join(' ');
    // script(1) runs the command on a new pseudo-terminal (given a size, as a terminal window
    // has) and returns its exit code.
    const child = spawn(
      'script',
      ['-qefc', `stty cols 120 rows 40; exec ${command}`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    const ended = new Promise<Ended>((resolve) =>
      child.on('exit', (code, killedBy) => resolve({ code, signal: killedBy, output })),
    );
    // The live progress line is drawn: the export is under way on a terminal.
    await until(async () => /exporting: /.test(output));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin.write('\x03');
    const result = await ended;
    expect(result.code).toBe(130);
    // Printed after the signal: the process ended by itself, not killed by it.
    expect(output).toMatch(/chat-history-kit: interrupted\r?\n/);
    const written = await linesOf(out);
    expect(written.complete).toBe(true);
    expect(written.lines.length).toBeGreaterThan(0);
    expect(written.lines).toHaveLength(stoppedAfter(output));
  }, 30_000);
});
