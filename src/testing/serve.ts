import { type ServerRequest, serve } from 'srvx';
import {
  type ChatsV1Emulator,
  type ChatsV1EmulatorOptions,
  createChatsV1Emulator,
} from './chats-v1-emulator.js';
import type { Emulator } from './emulator.js';
import {
  createOkChatEmulator,
  type OkChatEmulator,
  type OkChatEmulatorOptions,
} from './okchat-emulator.js';

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

/** Both vendors' emulators, each on its own loopback port. */
export interface Sandbox {
  readonly okchat: ServedEmulator<OkChatEmulator>;
  readonly chatsV1: ServedEmulator<ChatsV1Emulator>;
  close(): Promise<void>;
}

export interface SandboxOptions extends ServeOptions {
  okchat?: OkChatEmulatorOptions;
  chatsV1?: ChatsV1EmulatorOptions;
}

/** Starts both emulators on loopback: the built-in sandbox of the CLI and the tests. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const serveOptions = { hostname: options.hostname, port: 0 };
  const okchat = await serveEmulator(createOkChatEmulator(options.okchat), serveOptions);
  try {
    const chatsV1 = await serveEmulator(createChatsV1Emulator(options.chatsV1), serveOptions);
    return {
      okchat,
      chatsV1,
      close: async () => {
        await Promise.all([okchat.close(), chatsV1.close()]);
      },
    };
  } catch (error) {
    await okchat.close();
    throw error;
  }
}
