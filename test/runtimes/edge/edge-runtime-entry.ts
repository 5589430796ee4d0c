import { handle } from './handle.js';

// Vercel's edge runtime: a service-worker style fetch listener.
addEventListener('fetch', (event) => {
  const fetchEvent = event as unknown as {
    request: Request;
    respondWith(response: Promise<Response>): void;
  };
  fetchEvent.respondWith(handle(fetchEvent.request));
});
