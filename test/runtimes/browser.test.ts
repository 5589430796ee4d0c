import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { createLogger, build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createChatsV1Emulator,
  type Sandbox,
  type ServedEmulator,
  serveEmulator,
  startSandbox,
} from '../../src/testing/index.js';
import { sandboxQuery } from './export-all.js';

const HERE = join(import.meta.dirname, 'browser');
const LIBRARY = join(import.meta.dirname, '..', '..', 'dist', 'index.js');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The page bundled by esbuild for the browser: the library as a browser app gets it. */
async function bundleWithEsbuild(): Promise<{ html: string; script: string }> {
  const result = await esbuild({
    entryPoints: [join(HERE, 'page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
    alias: { 'chat-history-kit': LIBRARY },
  });
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  const script = result.outputFiles[0]?.text ?? '';
  return { html: '<!doctype html><script type="module" src="/page.js"></script>', script };
}

/** The same page built by vite, with every warning it gives kept. */
async function bundleWithVite(warnings: string[]): Promise<{ html: string; script: string }> {
  const logger = createLogger('warn', { allowClearScreen: false });
  const keep = (message: string) => warnings.push(message);
  logger.warn = keep;
  logger.warnOnce = keep;
  logger.error = keep;
  const output = await viteBuild({
    root: HERE,
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    resolve: { alias: { 'chat-history-kit': LIBRARY } },
    build: { write: false, minify: true, modulePreload: false },
  });
  const outputs = Array.isArray(output) ? output : [output];
  const files = outputs.flatMap((entry) => ('output' in entry ? entry.output : []));
  const html = files.find((file) => file.fileName === 'index.html');
  const chunk = files.find((file) => file.type === 'chunk' && file.isEntry);
  if (html?.type !== 'asset' || chunk?.type !== 'chunk') throw new Error('vite built no page');
  return {
    html: String(html.source).replace(`/${chunk.fileName}`, '/page.js'),
    script: chunk.code,
  };
}

/** An origin on loopback where nothing listens (a port that was free a moment ago). */
async function unusedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Serves one page (its HTML and its one script) on its own origin. */
async function servePage(page: {
  html: string;
  script: string;
}): Promise<Server & { url: string }> {
  const server = createServer((request, response) => {
    const script = request.url?.startsWith('/page.js');
    response.setHeader('content-type', script ? 'text/javascript' : 'text/html');
    response.end(script ? page.script : page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(server, { url: `http://127.0.0.1:${port}` });
}

describe('in Chromium, bundled without polyfills, against a sandbox on another origin', () => {
  let browser: Browser;
  let sandbox: Sandbox;
  let closed: ServedEmulator;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    sandbox = await startSandbox({
      cors: true,
      okchat: { conversations: 5 },
      chatsV1: { chats: 4 },
      intercom: { conversations: 4 },
    });
    closed = await serveEmulator(createChatsV1Emulator({ chats: 1 }));
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), sandbox?.close(), closed?.close()]);
  });

  async function visit(page: { html: string; script: string }) {
    const served = await servePage(page);
    const tab = await browser.newPage();
    try {
      const query = sandboxQuery(sandbox);
      query.set('closed', closed.url);
      query.set('down', await unusedOrigin());
      closed.emulator.reset();
      await tab.goto(`${served.url}/?${query}`);
      await tab.waitForFunction(
        () => 'findings' in globalThis || 'failure' in globalThis,
        undefined,
        { timeout: 20_000 },
      );
      const failure = await tab.evaluate(() => (globalThis as { failure?: string }).failure);
      expect(failure).toBeUndefined();
      return await tab.evaluate(
        () =>
          (
            globalThis as unknown as {
              findings: {
                counts: Record<string, number>;
                conversations: number;
                refused?: { code: string; retryable: boolean; message: string };
                down?: { code: string; retryable: boolean; message: string };
              };
            }
          ).findings,
      );
    } finally {
      await tab.close();
      await new Promise((resolve) => served.close(resolve));
    }
  }

  function expectEveryMessage(findings: Awaited<ReturnType<typeof visit>>) {
    expect(findings.counts).toEqual({
      okchat: sandbox.okchat.emulator.totalMessages(),
      'chats-v1': sandbox.chatsV1.emulator.totalMessages(),
      intercom: sandbox.intercom.emulator.totalMessages(),
    });
    expect(findings.conversations).toBe(13);
    // Without CORS headers the browser refuses the answer: one request and one no-cors probe
    // that finds the server up, then no retry.
    expect(findings.refused).toMatchObject({ code: 'network', retryable: false });
    expect(findings.refused?.message).toMatch(/Access-Control-Allow-Origin/);
    expect(closed.emulator.stats.requests).toBe(2);
    // A server that is down is a network failure like any other: retried, not blamed on CORS.
    expect(findings.down).toMatchObject({ code: 'network', retryable: true });
    expect(findings.down?.message).toMatch(/after 3 attempts/);
    expect(findings.down?.message).not.toMatch(/Access-Control-Allow-Origin/);
  }

  it('bundled by esbuild (no error, no warning): lists every message of every vendor', async () => {
    expectEveryMessage(await visit(await bundleWithEsbuild()));
  });

  it('bundled by vite (no Node built-in externalized): lists every message of every vendor', async () => {
    const warnings: string[] = [];
    const page = await bundleWithVite(warnings);
    expect(warnings.filter((warning) => /externaliz|node:|built-?in/i.test(warning))).toEqual([]);
    expectEveryMessage(await visit(page));
  });
});
