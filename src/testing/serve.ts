import { type ServerRequest, serve } from 'srvx';
import { type RegisteredVendor, VENDORS } from '../providers/registry.js';
import type { Emulator } from './emulator.js';

/** An emulator served over real HTTP. */
export interface ServedEmulator<E extends Emulator = Emulator> {
  /** Base URL to give a source, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly emulator: E;
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * @default '127.0.0.1'
   */
  hostname?: string;
  /**
   * `0` picks a free port.
   * @default 0
   */
  port?: number;
}

/** Serves an emulator's handler on loopback (a random free port unless told otherwise). */
export async function serveEmulator<E extends Emulator>(
  emulator: E,
  options: ServeOptions = {},
): Promise<ServedEmulator<E>> {
  const server = serve({
    hostname: options.hostname ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    gracefulShutdown: false,
    async fetch(request: ServerRequest) {
      const response = await emulator.handler(request);
      if (response.type === 'error') {
        // A "dropped connection" fault: cut the socket instead of answering.
        request.runtime?.node?.req.socket.destroy();
      }
      return response.type === 'error' ? new Response(null, { status: 500 }) : response;
    },
  });
  await server.ready();
  const address = server.node?.server?.address();
  if (address === null || address === undefined || typeof address === 'string') {
    await server.close(true);
    throw new Error('the emulator server has no TCP address');
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    emulator,
    close: () => server.close(true),
  };
}

type Registered = RegisteredVendor;

/** Every registered vendor's emulator, each on its own loopback port, keyed as the registry says. */
export type Sandbox = {
  readonly [Entry in Registered as Entry['sandboxKey']]: ServedEmulator<
    ReturnType<Entry['emulate']>
  >;
} & {
  close(): Promise<void>;
};

/** Options of {@link startSandbox}: each vendor's emulator options under its key. */
export type SandboxOptions = ServeOptions & {
  [Entry in Registered as Entry['sandboxKey']]?: Parameters<Entry['emulate']>[0];
};

/**
 * Starts every registered vendor's emulator on loopback: the built-in sandbox of the CLI and the
 * tests.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const serveOptions = { hostname: options.hostname, port: 0 };
  const served: Record<string, ServedEmulator> = {};
  try {
    for (const entry of VENDORS) {
      const emulator = (entry.emulate as (options?: object) => Emulator)(options[entry.sandboxKey]);
      served[entry.sandboxKey] = await serveEmulator(emulator, serveOptions);
    }
  } catch (error) {
    await Promise.all(Object.values(served).map((server) => server.close()));
    throw error;
  }
  return {
    ...(served as Omit<Sandbox, 'close'>),
    close: async () => {
      await Promise.all(Object.values(served).map((server) => server.close()));
    },
  };
}
