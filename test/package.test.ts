import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import * as source from '../src/index.js';

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, '..');

// Resolved at run time: dist/ is built by the global setup, after type checking.
const ESM_ENTRY = '../dist/index.js';
const PROVIDER_ENTRY = '../dist/provider.js';

describe('published package', () => {
  it('ESM and CJS builds export exactly what src/index.ts exports', async () => {
    const esm = (await import(ESM_ENTRY)) as Record<string, unknown>;
    const cjs = require('../dist/index.cjs') as Record<string, unknown>;
    const expected = Object.keys(source).sort();
    expect(Object.keys(esm).sort()).toEqual(expected);
    expect(Object.keys(cjs).sort()).toEqual(expected);
  });

  it('the CJS build works on its own', () => {
    const cjs = require('../dist/index.cjs') as typeof source;
    const error = new cjs.ChatHistoryError('x', { code: 'not_found' });
    expect(cjs.ChatHistoryError.is(error)).toBe(true);
    // Errors from the two builds are different classes but recognise each other.
    expect(source.ChatHistoryError.is(error)).toBe(true);
    expect(error instanceof source.ChatHistoryError).toBe(false);
    expect(cjs.normalizeTimestamp('2025-03-05T04:25:58.059835+00:00')).toBe(
      '2025-03-05T04:25:58.059835Z',
    );
  });

  it('chat-history-kit/provider is built for ESM and CJS with the kit for new vendors', async () => {
    const esm = (await import(PROVIDER_ENTRY)) as Record<string, unknown>;
    const cjs = require('../dist/provider.cjs') as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    for (const name of [
      'defineVendor',
      'pathSegment',
      'cursorStrategy',
      'WireIdSchema',
      'timestampField',
    ]) {
      expect(esm).toHaveProperty(name);
    }
  });

  it('exports the names of the public contract', () => {
    for (const name of [
      'ChatHistoryError',
      'ConversationSchema',
      'MessageSchema',
      'createChatsV1Source',
      'createOkChatSource',
      'exportHistory',
    ]) {
      expect(source).toHaveProperty(name);
    }
  });

  it('ships its license and docs, names its repository, and asks for the Node its dependencies need', () => {
    expect(packageJson.files).toEqual(expect.arrayContaining(['dist', 'docs', 'LICENSE']));
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(packageJson.license).toBe('MIT');
    expect(packageJson.repository.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    // The highest minimum among the runtime dependencies (srvx: 20.16).
    const minimum = (range: string) => (range.match(/\d+(?:\.\d+){0,2}/)?.[0] ?? '0').split('.');
    const compare = (a: string[], b: string[]) => {
      for (let index = 0; index < 3; index++) {
        const difference = Number(a[index] ?? 0) - Number(b[index] ?? 0);
        if (difference !== 0) return difference;
      }
      return 0;
    };
    const needed = Object.keys(packageJson.dependencies)
      .map(
        (name) =>
          JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
            engines?: { node?: string };
          },
      )
      .map((manifest) => minimum(manifest.engines?.node ?? '0'))
      .reduce((highest, version) => (compare(version, highest) > 0 ? version : highest));
    expect(compare(minimum(packageJson.engines.node), needed)).toBeGreaterThanOrEqual(0);
    // The CommonJS build of chat-history-kit/testing requires srvx, an ES module: Node loads
    // one with require() from 20.19.
    expect(compare(minimum(packageJson.engines.node), ['20', '19', '0'])).toBeGreaterThanOrEqual(0);
  });

  it('every @see in the published types points at a shipped document', () => {
    const seen: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.d\.c?ts$/.test(entry.name)) {
          for (const match of readFileSync(path, 'utf8').matchAll(/@see (\S+)/g)) {
            seen.push(match[1] as string);
          }
        }
      }
    };
    walk(join(ROOT, 'dist'));
    expect(seen.length).toBeGreaterThan(0);
    for (const target of seen) {
      const doc = target.match(/\/blob\/main\/(docs\/[\w./-]+\.md)$/)?.[1];
      if (doc === undefined && !target.startsWith('{@link')) throw new Error(`@see ${target}`);
      if (doc !== undefined) expect(existsSync(join(ROOT, doc)), doc).toBe(true);
    }
  });
});
