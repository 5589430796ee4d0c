import { HttpResponse, http, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Emulator } from '../../src/testing/emulator.js';
import { emulatorHandlers } from '../../src/testing/msw.js';

/**
 * The one harness of the vendor tests: an msw server for the suite, a vendor's emulator answering
 * at `baseURL`, and `replay` to serve a recorded (seed) body verbatim. Call it at a suite's top
 * level: it registers the server's lifecycle hooks.
 */
export function vendorHarness(baseURL: string) {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  return {
    server,
    /** Serves `emulator` at the base URL; `urls()` are the requests it received, parsed. */
    emulate<E extends Emulator>(emulator: E): E & { urls(): URL[] } {
      server.use(...emulatorHandlers(emulator, baseURL));
      return Object.assign(emulator, {
        urls: () => emulator.requests.map((request) => new URL(request, baseURL)),
      });
    },
    /** Answers GET `path` (msw syntax, `:name` for a segment) with `body`; returns the requests. */
    replay(path: string, body: JsonBodyType): Request[] {
      const requests: Request[] = [];
      server.use(
        http.get(`${baseURL}${path}`, ({ request }) => {
          requests.push(request);
          return HttpResponse.json(body);
        }),
      );
      return requests;
    },
  };
}
