import type { ChatHistorySource } from '../../src/chat-history-source.js';
import type { SourceOptions } from '../../src/providers/define-vendor.js';
import { VENDORS } from '../../src/providers/registry.js';
import type { HistoryEmulator } from '../../src/testing/emulated-history.js';
import type { EmulatorOptions } from '../../src/testing/emulator.js';
import { serveEmulator } from '../../src/testing/serve.js';

/** One vendor's emulator served on loopback, with a source reading it. */
export interface ServedVendor {
  id: string;
  emulator: HistoryEmulator;
  source: ChatHistorySource;
  url: string;
  /** The options the source was made with: plain JSON, for a source made elsewhere. */
  options: object;
}

/**
 * Every registered vendor's emulator served over loopback, each with a source that reads it:
 * `emulatorOptions(id)` gives each emulator's options (size, live data, faults).
 */
export async function serveVendors(
  emulatorOptions: (id: string) => EmulatorOptions & Record<string, unknown> = () => ({}),
  sourceOptions: (id: string) => Partial<SourceOptions> = () => ({}),
): Promise<{ vendors: ServedVendor[]; close(): Promise<void> }> {
  const vendors: ServedVendor[] = [];
  const closers: (() => Promise<void>)[] = [];
  for (const entry of VENDORS) {
    const id = entry.vendor.id;
    const emulate = entry.emulate as (options: EmulatorOptions) => HistoryEmulator;
    const served = await serveEmulator(emulate(emulatorOptions(id)));
    closers.push(() => served.close());
    const base = (entry.sandboxSource as (emulator: unknown, url: string) => object)(
      served.emulator,
      served.url,
    );
    const options = { ...base, ...sourceOptions(id) };
    const source = (entry.vendor.createSource as (options: object) => ChatHistorySource)(options);
    vendors.push({ id, emulator: served.emulator, source, url: served.url, options });
  }
  return {
    vendors,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
