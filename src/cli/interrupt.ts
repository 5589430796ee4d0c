/** Signals that stop an export, and the exit code each ends it with (128 + the signal's number). */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type InterruptSignal = keyof typeof INTERRUPT_EXIT_CODES;

/** The reason an export was aborted with when the process received a signal. */
export class Interrupt extends Error {
  override readonly name = 'Interrupt';
  constructor(readonly signal: InterruptSignal) {
    super(signal === 'SIGINT' ? 'interrupted' : 'terminated');
  }
}
