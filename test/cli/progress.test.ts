import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { capture } from '../helpers/capture-stream.js';

describe('cli progress', () => {
  it('draws a live line on a terminal, then the summary', async () => {
    const stderr = capture(true);
    const stdout = new PassThrough();
    stdout.resume();
    const code = await runCli(
      [
        'export',
        '--sandbox',
        '--source',
        'chats-v1',
        '--sandbox-conversations',
        '4',
        '--sandbox-latency',
        '60',
        '--concurrency',
        '1',
      ],
      { stdout, stderr: stderr.stream, env: {} },
    );
    expect(code).toBe(0);
    const text = stderr.text();
    expect(text).toMatch(/exporting: \d+ conversations, [\d,]+ messages, [\d,]+ msg\/s, \d+\.\d s/);
    expect(text).toMatch(
      /exported [\d,]+ messages from 4 conversations \(chats-v1 4\/[\d,]+\) in [\d.]+ s to stdout\n$/,
    );
  });

  it('the live line moves with messages as they arrive, inside one long conversation', async () => {
    const stderr = capture(true);
    const stdout = new PassThrough();
    stdout.resume();
    const code = await runCli(
      [
        'export',
        '--sandbox',
        '--source',
        'chats-v1',
        '--sandbox-conversations',
        '1',
        '--sandbox-messages',
        '400',
        '--page-size',
        '40',
        '--sandbox-latency',
        '60',
        '--concurrency',
        '1',
      ],
      { stdout, stderr: stderr.stream, env: {} },
    );
    expect(code).toBe(0);
    // Drawn while the one conversation was still being read: messages counted, none finished.
    const during = [
      ...stderr.text().matchAll(/exporting: 0 conversations, ([\d,]+) messages/g),
    ].map((match) => Number(match[1]?.replaceAll(',', '')));
    expect(during.some((messages) => messages > 0 && messages < 400)).toBe(true);
    expect(stderr.text()).toMatch(/exported 400 messages from 1 conversations/);
  });

  it('prints only the summary when stderr is not a terminal', async () => {
    const stderr = capture(false);
    const stdout = new PassThrough();
    stdout.resume();
    const code = await runCli(
      ['export', '--sandbox', '--source', 'okchat', '--sandbox-conversations', '3'],
      {
        stdout,
        stderr: stderr.stream,
        env: {},
      },
    );
    expect(code).toBe(0);
    expect(stderr.text()).toMatch(
      /^exported [\d,]+ messages from 3 conversations \(okchat 3\/[\d,]+\) in [\d.]+ s to stdout\n$/,
    );
  });

  it('an abort ends the export with exit code 130', async () => {
    const stderr = capture(false);
    const stdout = new PassThrough();
    stdout.resume();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const code = await runCli(['export', '--sandbox', '--sandbox-latency', '50'], {
      stdout,
      stderr: stderr.stream,
      env: {},
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stderr.text()).toMatch(/chat-history-kit: interrupted\n$/);
  });
});
