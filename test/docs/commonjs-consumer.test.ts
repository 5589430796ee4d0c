import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectWithPackedPackage, tsc } from '../helpers/packed.js';

const run = promisify(execFile);

const CONSUMER = `import { ChatHistoryError, createIntercomSource, createOkChatSource, type Message } from 'chat-history-kit';
import { createOkChatEmulator, startSandbox } from 'chat-history-kit/testing';

async function main(): Promise<void> {
  const emulator = createOkChatEmulator({ conversations: 3 });
  const okchat = createOkChatSource({
    apiKey: emulator.apiKey,
    chatbotId: emulator.chatbotId,
    fetch: emulator.fetch,
  });
  const messages: Message[] = [];
  for await (const conversation of okchat.listConversations()) {
    messages.push(...(await okchat.listMessages(conversation.id).toArray()));
  }
  const sandbox = await startSandbox({ intercom: { conversations: 2 } });
  try {
    const intercom = createIntercomSource({
      accessToken: 'wrong-token',
      baseURL: sandbox.intercom.url,
    });
    await intercom.listConversations().toArray();
  } catch (error) {
    if (!ChatHistoryError.is(error)) throw error;
    console.log(JSON.stringify({ messages: messages.length, expected: emulator.totalMessages(), code: error.code }));
  } finally {
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/**
 * A CommonJS TypeScript project, as many still are: it compiles against the packed package
 * without skipLibCheck (every published type resolves from CommonJS), and its output runs.
 */
describe('a CommonJS TypeScript consumer', () => {
  let work: string;

  beforeAll(async () => {
    work = await projectWithPackedPackage('chk-cjs-');
    writeFileSync(join(work, 'package.json'), JSON.stringify({ private: true, type: 'commonjs' }));
    writeFileSync(join(work, 'index.ts'), CONSUMER);
  }, 120_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('compiles under strict with module node16, without skipLibCheck, and runs', async () => {
    const printed = await tsc(work, [
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--types',
      'node',
      '--skipLibCheck',
      'false',
      'index.ts',
    ]);
    expect(printed).toBe('');
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: work, timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toMatchObject({ code: 'unauthorized' });
    const result = JSON.parse(stdout.trim()) as { messages: number; expected: number };
    expect(result.messages).toBe(result.expected);
  }, 120_000);
});
