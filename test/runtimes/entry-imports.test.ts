import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = join(import.meta.dirname, '..', '..', 'dist');
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;

/** Every module a built file reaches through its own files, and the packages it names. */
async function reach(entry: string): Promise<{ files: string[]; specifiers: Set<string> }> {
  const files: string[] = [];
  const specifiers = new Set<string>();
  const queue = [resolve(DIST, entry)];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[2] as string;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else specifiers.add(specifier);
    }
  }
  return { files, specifiers };
}

describe('the library entry points import no Node built-in', () => {
  it.each([
    'index.js',
    'index.cjs',
    'testing/index.js',
    'testing/index.cjs',
    'provider.js',
    'provider.cjs',
  ])('%s', async (entry) => {
    const { files, specifiers } = await reach(entry);
    expect(files.length).toBeGreaterThan(0);
    expect([...specifiers].filter((specifier) => BUILTINS.has(specifier))).toEqual([]);
    // Only the runtime dependencies: each resolves to a build without built-ins outside Node.
    for (const specifier of specifiers) {
      expect(['zod', 'ofetch', 'srvx', 'p-limit']).toContain(specifier.split('/')[0]);
    }
  });

  it('the command-line tool may, and does', async () => {
    const { specifiers } = await reach('cli.js');
    expect([...specifiers].some((specifier) => BUILTINS.has(specifier))).toBe(true);
  });
});
