import { type ServerRequest, serve } from 'srvx';
import { invalidArgument } from '../errors/invalid-argument.js';
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
   * `0` picks a free port. `startSandbox` serves its emulators on this port and the ones after it,
   * in registry order.
   * @default 0
   */
  port?: number;
  /**
   * Lets a browser page on any origin call the emulator: every response carries
   * `Access-Control-Allow-Origin: *`, and preflights are answered for the methods and headers
   * the sources send.
   * @default false
   */
  cors?: boolean;
}

/** What a preflight is allowed: the methods and headers every registered source sends. */
const CORS_PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers':
    'accept, authorization, content-type, intercom-version, user-agent, x-api-key',
  'access-control-max-age': '600',
};
const CORS_RESPONSE = {
  'access-control-allow-origin': '*',
  // Read by the sources' retry logic.
  'access-control-expose-headers': 'retry-after, x-ratelimit-reset',
};

/** Serves an emulator's handler on loopback (a random free port unless told otherwise). */
export async function serveEmulator<E extends Emulator>(
  emulator: E,
  options: ServeOptions = {},
): Promise<ServedEmulator<E>> {
  const cors = options.cors === true;
  const server = serve({
    hostname: options.hostname ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    gracefulShutdown: false,
    async fetch(request: ServerRequest) {
      if (cors && request.method === 'OPTIONS') {
        return new Response(null, { status: 204, headers: CORS_PREFLIGHT });
      }
      const response = await emulator.handler(request);
      if (response.type === 'error') return dropped(request);
      if (!cors) return response;
      const headers = new Headers(response.headers);
      for (const [name, value] of Object.entries(CORS_RESPONSE)) headers.set(name, value);
      return new Response(response.body, { status: response.status, headers });
    },
  });
  await server.ready();
  const url = server.url;
  if (url === undefined) {
    await server.close(true);
    throw new Error('the emulator server has no address');
  }
  return {
    url: url.replace(/\/+$/, ''),
    emulator,
    close: () => server.close(true),
  };
}

/**
 * A "dropped connection" fault: the socket is cut where the runtime allows it (Node); elsewhere
 * the answer's body fails mid-stream, which the client sees as a broken connection too.
 */
function dropped(request: ServerRequest): Response {
  const socket = request.runtime?.node?.req.socket;
  if (socket !== undefined) {
    socket.destroy();
    return new Response(null, { status: 500 });
  }
  const body = new ReadableStream({
    start(controller) {
      controller.error(new Error('connection dropped'));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
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
  const { hostname, cors, port } = options;
  if (
    port !== undefined &&
    (!Number.isSafeInteger(port) || port < 0 || port + VENDORS.length - 1 > 65_535)
  ) {
    throw invalidArgument(
      `port must be 0 or a port from which ${VENDORS.length} in a row are valid (at most ${65_536 - VENDORS.length}), got ${String(port)}`,
      'sandbox',
    );
  }
  const served: Record<string, ServedEmulator> = {};
  try {
    for (const [index, entry] of VENDORS.entries()) {
      const emulator = (entry.emulate as (options?: object) => Emulator)(options[entry.sandboxKey]);
      // With a port, one port per vendor from it, in registry order.
      const at = port === undefined || port === 0 ? 0 : port + index;
      served[entry.sandboxKey] = await serveEmulator(emulator, { hostname, cors, port: at });
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
