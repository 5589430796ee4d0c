import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Runs a command in the package root; resolves with its output, rejects with what it printed. */
export function runCommand(
  command: string,
  args: readonly string[],
  timeout = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd: ROOT, timeout, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * The Node 24 binary, from the npm package `node@24` (fetched from the npm registry into npm's
 * cache on first use): for the suite's runs beyond this machine's Node, and for tools that need it.
 */
export async function node24(): Promise<string> {
  const output = await runCommand('npm', [
    'exec',
    '--yes',
    '--package=node@24',
    '--',
    'node',
    '-p',
    'process.execPath',
  ]);
  return output.trim();
}

/** What a run of the built CLI gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`dist/cli.js`) with only the environment given (no inherited credentials). */
export function runBuiltCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist', 'cli.js'), ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
