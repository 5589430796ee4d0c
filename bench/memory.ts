import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliMeasured, startRemoteSandbox, table } from './support.js';

const MESSAGES_PER_CONVERSATION = 100;

interface Run {
  messages: number;
  peakRss: number;
  seconds: number;
  bytes: number;
}

/**
 * Runs the built CLI's export in a child process, against emulators served from another process
 * (so only the export path is measured), and reads its peak RSS at exit.
 */
async function exportInChild(conversations: number, out: string): Promise<Run> {
  const sandbox = await startRemoteSandbox({
    okchat: { conversations, messagesPerConversation: MESSAGES_PER_CONVERSATION },
    chatsV1: { chats: conversations, messagesPerChat: MESSAGES_PER_CONVERSATION },
  });
  try {
    const run = await runCliMeasured(sandbox, ['export', '--out', out]);
    const summary = /exported ([\d,]+) messages/.exec(run.stderr);
    return {
      messages: Number(summary?.[1]?.replaceAll(',', '') ?? 0),
      peakRss: run.peakRss,
      seconds: run.seconds,
      bytes: (await stat(out)).size,
    };
  } finally {
    await sandbox.close();
  }
}

/** 3. Memory: 100k and 1M messages through the CLI's export path to a file. */
export async function memoryBenchmark(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chk-memory-'));
  try {
    // OkChat leaves voice conversations (1 in 7) empty; Chats v1 fills every chat.
    const perConversationPair = MESSAGES_PER_CONVERSATION * (1 + 6 / 7);
    const small = await exportInChild(
      Math.round(100_000 / perConversationPair),
      join(dir, 'small.ndjson'),
    );
    const large = await exportInChild(
      Math.round(1_000_000 / perConversationPair),
      join(dir, 'large.ndjson'),
    );
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    const row = (run: Run) => [
      run.messages.toLocaleString('en-US'),
      mib(run.bytes),
      `${run.seconds.toFixed(1)} s`,
      Math.round(run.messages / run.seconds).toLocaleString('en-US'),
      mib(run.peakRss),
    ];
    return table(
      `3. Memory: chat-history-kit export to a file, emulators in another process (peak RSS of the CLI process); 1M / 100k peak = ${(large.peakRss / small.peakRss).toFixed(2)}x`,
      ['messages', 'file', 'time', 'messages/s', 'peak RSS'],
      [row(small), row(large)],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
