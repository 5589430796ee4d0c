import { handle } from './handle.js';

interface FetchEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

// Vercel's edge runtime: a service-worker style fetch listener (typed here: the project compiles
// without the web worker library).
const scope = globalThis as unknown as {
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
};
scope.addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
