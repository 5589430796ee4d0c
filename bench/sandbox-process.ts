/**
 * Serves the emulators from a separate process, as a remote vendor would be, so that the
 * emulator's own work does not compete with the client being measured.
 * Reads SandboxOptions as JSON from argv[2] (functions cannot cross processes: `reportTotalFactor`
 * stands in for Chats v1's `reportTotal`); prints one JSON line with the URLs and credentials.
 */
import { startSandbox } from '../src/testing/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startSandbox>[0] & {
  reportTotalFactor?: number;
};
const factor = options.reportTotalFactor;
const sandbox = await startSandbox({
  ...options,
  chatsV1: {
    ...options.chatsV1,
    ...(factor ? { reportTotal: (truth: number) => truth * factor + 50 } : {}),
  },
});
process.stdout.write(
  `${JSON.stringify({
    okchat: {
      url: sandbox.okchat.url,
      apiKey: sandbox.okchat.emulator.apiKey,
      chatbotId: sandbox.okchat.emulator.chatbotId,
    },
    chatsV1: { url: sandbox.chatsV1.url, apiKey: sandbox.chatsV1.emulator.apiKey },
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => void sandbox.close().then(() => process.exit(0)));
