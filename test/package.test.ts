import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

const require = createRequire(import.meta.url);

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
});
