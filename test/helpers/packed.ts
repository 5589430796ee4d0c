import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** Packages a consumer of the library finds installed beside it. */
const DEPENDENCIES = [
  'zod',
  'ofetch',
  'srvx',
  'log-update',
  'pg-copy-streams',
  'msw',
  '@types/node',
  'undici-types',
];

/**
 * A fresh project directory with the package as `npm pack` makes it installed in its
 * `node_modules` (the tarball extracted, as npm would), beside the dependencies it needs, linked
 * from this repository's.
 */
export async function projectWithPackedPackage(prefix: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work], {
    cwd: ROOT,
  });
  const tarball = join(work, stdout.trim().split('\n').at(-1) ?? '');
  const modules = join(work, 'node_modules');
  const installed = join(modules, 'chat-history-kit');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components', '1']);
  for (const name of DEPENDENCIES) {
    if (name.includes('/')) mkdirSync(join(modules, name.split('/')[0] ?? ''), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  return work;
}

/** Runs TypeScript's compiler in `cwd`; resolves with everything it printed. */
export async function tsc(cwd: string, args: readonly string[]): Promise<string> {
  const compiler = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = await run(process.execPath, [compiler, ...args], {
    cwd,
    maxBuffer: 16 << 20,
  }).catch((error: { stdout?: string; stderr?: string }) => error);
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}
