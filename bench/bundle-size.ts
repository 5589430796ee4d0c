import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ratio, table } from './support.js';

const ROOT = join(import.meta.dirname, '..');

/** What a browser app ships: `entry` bundled by esbuild, minified, and that gzipped. */
async function sizeOf(contents: string): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
    alias: {
      'chat-history-kit/testing': join(ROOT, 'dist', 'testing', 'index.js'),
      'chat-history-kit': join(ROOT, 'dist', 'index.js'),
    },
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength };
}

/**
 * 8. Browser bundle size: what one source, every source, and the test kit add to a browser
 * app, against zod's own share as the baseline (every app using the library ships zod).
 */
export async function bundleSizeBenchmark(): Promise<string> {
  const cases: [string, string][] = [
    ['zod alone (baseline)', `import { z } from 'zod'; console.log(z.object({ a: z.string() }));`],
    [
      'one source: createOkChatSource + listMessages',
      `import { createOkChatSource } from 'chat-history-kit'; console.log(createOkChatSource);`,
    ],
    [
      'every source + exportHistory',
      `import * as kit from 'chat-history-kit'; console.log(kit.createOkChatSource, kit.createChatsV1Source, kit.createIntercomSource, kit.exportHistory);`,
    ],
    [
      'chat-history-kit/testing (emulators)',
      `import { createIntercomEmulator, createOkChatEmulator } from 'chat-history-kit/testing'; console.log(createIntercomEmulator, createOkChatEmulator);`,
    ],
  ];
  const sizes = [];
  for (const [name, contents] of cases) sizes.push({ name, ...(await sizeOf(contents)) });
  const baseline = sizes[0]?.gzipped ?? 1;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return table(
    '8. Browser bundle (esbuild, minified; gzip -9)',
    ['bundle', 'minified', 'gzipped', 'vs zod alone (gzipped)'],
    sizes.map((size) => [
      size.name,
      kib(size.minified),
      kib(size.gzipped),
      ratio(size.gzipped / baseline),
    ]),
  );
}
