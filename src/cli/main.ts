import { once } from 'node:events';
import { INTERRUPT_EXIT_CODES, Interrupt, type InterruptSignal } from './interrupt.js';

const controller = new AbortController();
let received: InterruptSignal | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Registered first, before the rest of the tool loads, so a signal at any moment ends the
  // process the same way. A listener that stays (`on`, not `once`): while one of ours is
  // registered, the terminal cleanup of the progress line does not re-raise the signal, which
  // would kill the process before the last lines are written and the summary printed. A second
  // signal stops at once.
  process.on(signal, () => {
    if (received !== undefined) process.exit(INTERRUPT_EXIT_CODES[received]);
    received = signal;
    controller.abort(new Interrupt(signal));
  });
}

const { runCli } = await import('./run-cli.js');

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
if (received !== undefined && process.stdout.writableLength > 0) {
  // Stopped while writing to a pipe whose reader stopped reading: what is still buffered would
  // keep the process alive for ever. The reader gets a moment to take it, then the process ends.
  await Promise.race([
    once(process.stdout, 'drain'),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ]);
  process.exit(code);
}
