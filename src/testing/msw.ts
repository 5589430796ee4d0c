import { type HttpHandler, http } from 'msw';
import type { Emulator } from './emulator.js';

/**
 * msw handlers that answer every request under `baseURL` from an emulator, for in-process tests:
 * `setupServer(...emulatorHandlers(createOkChatEmulator(), 'https://v2.okchat.ai'))`.
 */
export function emulatorHandlers(emulator: Emulator, baseURL: string): HttpHandler[] {
  const base = baseURL.replace(/\/+$/, '');
  return [http.all(`${base}/*`, ({ request }) => emulator.handler(request))];
}
