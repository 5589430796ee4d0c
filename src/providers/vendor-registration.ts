import type { HistoryEmulator } from '../testing/emulated-history.js';
import type { EmulatorOptions } from '../testing/emulator.js';
import type { SourceOptions, Vendor } from './define-vendor.js';

/** How much data the CLI's `--sandbox-*` flags ask of every vendor's emulator. */
export interface SandboxSize {
  conversations?: number | undefined;
  messagesPerConversation?: number | undefined;
}

/**
 * A vendor as the registry lists it: its descriptor, its emulator, and how the sandbox wires the
 * two together. The CLI's flags, environment variables, help and error hints are derived from it.
 */
export interface VendorRegistration<
  Key extends string,
  Options extends SourceOptions,
  EmulatorOf extends HistoryEmulator,
  EmulatorOptionsOf extends EmulatorOptions,
> {
  readonly vendor: Vendor<Options>;
  /** Key of this vendor in `startSandbox()`'s options and result: `'okchat'`, `'chatsV1'`. */
  readonly sandboxKey: Key;
  /** A new emulator of the vendor's API. */
  emulate(options?: EmulatorOptionsOf): EmulatorOf;
  /** Emulator options from the CLI's sandbox flags (the options every emulator takes aside). */
  sandboxOptions(size: SandboxSize): EmulatorOptionsOf;
  /** The source options that read `emulator`, served at `url`. */
  sandboxSource(emulator: EmulatorOf, url: string): Options;
}

/** Declares a vendor's registration, keeping its types for the sandbox's result. */
export function registerVendor<
  Key extends string,
  Options extends SourceOptions,
  EmulatorOf extends HistoryEmulator,
  EmulatorOptionsOf extends EmulatorOptions,
>(
  registration: VendorRegistration<Key, Options, EmulatorOf, EmulatorOptionsOf>,
): VendorRegistration<Key, Options, EmulatorOf, EmulatorOptionsOf> {
  return Object.freeze(registration);
}
