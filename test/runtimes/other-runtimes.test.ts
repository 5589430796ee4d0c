import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { node24, ROOT, runCommand as run } from '../helpers/run-command.js';

const SMOKE = join(import.meta.dirname, 'smoke.mjs');
const BIN = join(ROOT, 'node_modules', '.bin');

/**
 * The runtimes the suite itself does not run in: each runs the built package on a sandbox of
 * every vendor over loopback (faults included), exporting every message. Their binaries come
 * from npm (`bun` as a dev dependency; Deno 2.9 and Node 24 from their npm packages at run time): a missing
 * one fails the test, never skips it.
 */
const RUNTIMES: { name: string; command: () => Promise<[string, string[]]> }[] = [
  {
    name: 'Node 24',
    command: async () => {
      const node = await node24();
      const version = (await run(node, ['--version'])).trim();
      expect(version).toMatch(/^v24\./);
      return [node, []];
    },
  },
  { name: 'Bun', command: async () => [join(BIN, 'bun'), []] },
  {
    name: 'Deno',
    // From npm at run time: its package lists platform builds a lock file cannot hold here.
    command: async () => [
      'npm',
      [
        'exec',
        '--yes',
        '--package=deno@2.9.6',
        '--',
        'deno',
        'run',
        '--allow-net',
        '--allow-read',
        '--allow-env',
        '--allow-sys',
      ],
    ],
  },
];

/** A port free now, with the ones after it, as far as a quick probe can tell. */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const first = await listenOn(0);
    let free = true;
    for (let offset = 1; offset < count && free; offset++) {
      free = (await listenOn(first + offset).catch(() => 0)) !== 0;
    }
    if (free) return first;
  }
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

describe.each(RUNTIMES)('$name', ({ command }) => {
  it('exports every message of every vendor from startSandbox, on the port asked for', async () => {
    const [binary, args] = await command();
    const port = await freePorts(3);
    const output = await run(binary, [...args, SMOKE, String(port)]);
    const line = output.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(line) as {
      conversations: number;
      counts: Record<string, number>;
      expected: Record<string, number>;
      faults: number;
      urls: string[];
    };
    expect(result.counts).toEqual(result.expected);
    expect(result.conversations).toBe(15);
    expect(result.faults).toBeGreaterThan(0);
    expect(result.urls).toEqual([0, 1, 2].map((offset) => `http://127.0.0.1:${port + offset}`));
  });
});
