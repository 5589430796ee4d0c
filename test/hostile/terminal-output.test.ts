import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { safeText } from '../../src/text/safe-text.js';
import { caught } from '../helpers/caught.js';
import {
  CHATBOT,
  CONVERSATIONS_PATH,
  KEY,
  okchatConversation,
  okchatMessage,
  okchatPage,
  okchatSource,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

/** What a hostile vendor writes to reach the terminal: clear screen, window title, bell, a forged line. */
const HOSTILE =
  '\u001b[2J\u001b]0;pwned\u0007\r\nexported 839 messages from 60 conversations\u009b31m';
/** Any character a terminal acts on, but the newlines between lines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('vendor text in errors is escaped and bounded', () => {
  it('an error body full of terminal controls becomes one escaped line', async () => {
    const vendor = await servers.start((_request, response) =>
      sendJson(response, JSON.stringify({ error: HOSTILE }), 400),
    );
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.code).toBe('bad_request');
    expect(error.message).not.toMatch(CONTROL);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(
      '\\x1b[2J\\x1b]0;pwned\\x07\\r\\nexported 839 messages from 60 conversations\\x9b31m',
    );
  });

  it('a 1 MB id gives a message of a few hundred characters, not megabytes', async () => {
    const id = `\u001b${'i'.repeat(1024 * 1024)}`;
    const body = okchatPage([okchatMessage(id, { created_at: 'not a date' })]);
    const vendor = await servers.start((_request, response) => sendJson(response, body));
    const error = await caught(okchatSource(vendor.url).listMessages('c-1').toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).toContain('invalid record "\\x1biiii');
    expect(JSON.stringify(error.toJSON()).length).toBeLessThan(1000);
    expect(inspect(error).length).toBeLessThan(5000);
  });

  it('a long vendor id that becomes a path is cut in the message and the path field', async () => {
    const id = `c-${'x'.repeat(8000)}`;
    const vendor = await servers.start((request, response) => {
      const envelope = request.url?.startsWith(`${CONVERSATIONS_PATH}?`)
        ? okchatPage([okchatConversation(id)])
        : '{"unexpected": true}';
      sendJson(response, envelope);
    });
    const source = okchatSource(vendor.url);
    const [conversation] = await source.listConversations().toArray();
    const error = await caught(source.listMessages(conversation?.id ?? '').toArray());
    expect(error.message).toContain('unexpected page envelope');
    expect(error.message.length).toBeLessThan(600);
    expect(error.path?.length).toBeLessThanOrEqual(301);
  });

  it('safeText escapes controls, lone surrogates and bidi overrides, and never splits a pair', () => {
    expect(safeText('a\u001b[31mb\u0000\u007f\u2028\u202e\ud800')).toBe(
      'a\\x1b[31mb\\x00\\x7f\\u2028\\u202e\\ud800',
    );
    expect(safeText('\u200e\u200f\u061c\ufeff\u2066')).toBe('\\u200e\\u200f\\u061c\\ufeff\\u2066');
    expect(safeText('ab😀', 3)).toBe('ab…');
    expect(safeText('plain text')).toBe('plain text');
  });
});

/** Runs the built CLI on a real pseudo-terminal (util-linux `script`): what a person would see. */
function runOnTerminal(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
      // stdin stays open: `script` ends the session when its input ends.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

describe('the CLI on a real terminal', () => {
  it('no vendor text can drive the terminal: errors, invalid ids and exported text are escaped', async () => {
    const vendor = await servers.start((request, response) => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (path === CONVERSATIONS_PATH) {
        sendJson(response, okchatPage([okchatConversation('c-1'), okchatConversation('c-2')]));
      } else if (path.includes('/c-1/')) {
        sendJson(
          response,
          okchatPage([
            okchatMessage('m-1', { content: `text with ${HOSTILE}` }),
            okchatMessage(`id${HOSTILE}`, { created_at: `date${HOSTILE}` }),
          ]),
        );
      } else {
        sendJson(response, JSON.stringify({ message: HOSTILE }), 403);
      }
    });
    const { code, screen } = await runOnTerminal(['export', '--source', 'okchat'], {
      OKCHAT_API_KEY: KEY,
      OKCHAT_CHATBOT_ID: CHATBOT,
      OKCHAT_BASE_URL: vendor.url,
    });
    expect(code).toBe(1);
    // The vendor's sequences never arrive raw (the CLI's own progress line uses other ones).
    expect(screen).not.toContain('\u001b[2J');
    expect(screen).not.toContain('\u001b]0;');
    expect(screen).not.toContain('\u0007');
    expect(screen).not.toContain('\u009b');
    // No forged summary line: the only "exported" text sits inside escaped vendor text.
    for (const line of screen.split(/\r?\n|\r/)) {
      expect(line.startsWith('exported 839')).toBe(false);
    }
    // The exported message is there, its text escaped in JSON (\u001b) and so still the same value.
    expect(screen).toContain('"text":"text with \\u001b[2J\\u001b]0;pwned\\u0007\\r\\nexported');
    expect(screen).toContain('\\u009b31m');
    // The invalid record's warning and the final error, one escaped line each.
    expect(screen).toContain(
      'chat-history-kit: warning: skipped invalid okchat record "id\\x1b[2J',
    );
    expect(screen).toMatch(
      /chat-history-kit: forbidden: GET \S+ -> 403 forbidden \(okchat\): \\x1b\[2J/,
    );
  });
});
