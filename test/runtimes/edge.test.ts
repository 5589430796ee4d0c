import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeRuntime, runServer } from 'edge-runtime';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/testing/index.js';
import { node24, runCommand as run } from '../helpers/run-command.js';
import { sandboxQuery } from './export-all.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EDGE = join(import.meta.dirname, 'edge');
const LIBRARY = join(ROOT, 'dist', 'index.js');

/** The handler bundled as an edge platform bundles it: web conditions, no Node built-in. */
async function bundle(entry: string, format: 'iife' | 'esm'): Promise<string> {
  const result = await build({
    entryPoints: [join(EDGE, entry)],
    bundle: true,
    format,
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'edge-light', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    write: false,
    logLevel: 'silent',
    alias: { 'chat-history-kit': LIBRARY },
  });
  expect(result.errors).toEqual([]);
  return result.outputFiles[0]?.text ?? '';
}

describe('edge runtimes, without nodejs_compat or polyfills', () => {
  let sandbox: Sandbox;
  let query: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      okchat: { conversations: 4 },
      chatsV1: { chats: 3 },
      intercom: { conversations: 3 },
    });
    query = sandboxQuery(sandbox).toString();
  });
  afterAll(() => sandbox?.close());

  const expected = () => ({
    conversations: 10,
    counts: {
      okchat: sandbox.okchat.emulator.totalMessages(),
      'chats-v1': sandbox.chatsV1.emulator.totalMessages(),
      intercom: sandbox.intercom.emulator.totalMessages(),
    },
  });

  it('edge-runtime (Vercel): exports every message of every vendor', async () => {
    const runtime = new EdgeRuntime({ initialCode: await bundle('edge-runtime-entry.ts', 'iife') });
    const server = await runServer({ runtime, host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${server.url}?${query}`);
      const body = await response.json();
      expect(body).toEqual(expected());
      expect(response.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('workerd (Cloudflare, through miniflare): exports every message of every vendor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chk-workerd-'));
    try {
      const file = join(dir, 'worker.mjs');
      await writeFile(file, await bundle('workerd-entry.ts', 'esm'));
      const output = await run(await node24(), [
        join(EDGE, 'run-workerd.mjs'),
        file,
        `http://worker.test/?${query}`,
      ]);
      const answer = JSON.parse(output.trim().split('\n').at(-1) ?? '') as {
        status: number;
        body: unknown;
      };
      expect(answer.body).toEqual(expected());
      expect(answer.status).toBe(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
