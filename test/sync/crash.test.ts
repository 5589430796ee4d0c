import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedVendor, serveVendors } from '../helpers/sandbox-sources.js';
import {
  freshStoreUrl,
  IN_SYNC,
  readStore,
  STORE_KINDS,
  storeMatches,
  vendorData,
} from '../helpers/stores.js';

const CHILD = join(import.meta.dirname, 'crash-child.mjs');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** How a child sync ends: killed with SIGKILL at a moment chosen by `killWhen`, or done. */
type KillPoint = { afterLines: number } | { afterMs: number } | 'never';

/** Runs a sync in a child process and kills it (SIGKILL) at `point`; resolves once it exited. */
function childSync(
  store: string,
  served: readonly ServedVendor[],
  point: KillPoint,
): Promise<{ killed: boolean; lines: number; output: string }> {
  const config = {
    store,
    pageSize: 5,
    sources: served.map((vendor) => ({ id: vendor.id, options: vendor.options })),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let output = '';
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'opened' && typeof point === 'object' && 'afterMs' in point) {
        setTimeout(kill, point.afterMs);
      }
      lines += 1;
      if (typeof point === 'object' && 'afterLines' in point && lines >= point.afterLines) kill();
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ killed, lines, output }));
  });
}

describe.each(STORE_KINDS)('a sync into %s killed with SIGKILL', (kind) => {
  it('and run again at every point leaves the store equal to the vendors, nothing lost or twice', async () => {
    const served = await serveVendors(() => ({
      conversations: 16,
      messagesPerConversation: 25,
      chats: 16,
      latencyMs: 2,
    }));
    cleanups.push(() => served.close());
    const store = await freshStoreUrl(kind);
    const points: KillPoint[] = [
      { afterLines: 1 },
      { afterMs: 150 },
      { afterLines: 5 },
      { afterMs: 400 },
      { afterLines: 12 },
      { afterMs: 900 },
    ];
    let kills = 0;
    for (const point of points) {
      const run = await childSync(store, served.vendors, point);
      if (run.killed) kills += 1;
    }
    // The kills landed in the middle of syncs (each run resumes from the one before).
    expect(kills).toBeGreaterThanOrEqual(4);
    const last = await childSync(store, served.vendors, 'never');
    expect(last.output).toBe('');
    expect(last.killed).toBe(false);
    const stored = await readStore(store);
    const vendor = await vendorData(served.vendors.map((entry) => entry.source));
    expect(storeMatches(stored, vendor)).toEqual(IN_SYNC);
    expect(stored.messages.size).toBe(vendor.messages.size);
    expect(stored.conversations.size).toBe(vendor.conversations.size);
  }, 120_000);
});
