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
