import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IN_FLIGHT_REQUESTS, RequestGate } from '../../src/http/request-gate.js';
import { createOkChatSource, exportHistory } from '../../src/index.js';
import { createOkChatEmulator, serveEmulator } from '../../src/testing/index.js';

describe('load: a vendor that limits concurrent requests', () => {
  it('the export completes at concurrency 16 against a limit of 3, and 429s stay few', async () => {
    const emulator = createOkChatEmulator({
      conversations: 40,
      latencyMs: { min: 2, max: 8 },
      maxConcurrentRequests: 3,
    });
    const served = await serveEmulator(emulator);
    try {
      const source = createOkChatSource({
        apiKey: emulator.apiKey,
        chatbotId: emulator.chatbotId,
        baseURL: served.url,
        retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 20 },
      });
      const ids: string[] = [];
      for await (const { messages } of exportHistory(source, { concurrency: 16, pageSize: 5 })) {
        for (const message of messages) ids.push(message.id);
      }
      const expected = emulator
        .conversations()
        .flatMap((c) => emulator.messages(String(c.id)).map((m) => m.id));
      expect(ids).toEqual(expected);
      const answered = emulator.stats.requests - emulator.stats.throttled;
      // Without backing off, 16 in flight against a limit of 3 would draw 429s for most requests.
      expect(emulator.stats.throttled).toBeGreaterThan(0);
      expect(emulator.stats.throttled).toBeLessThan(answered * 0.25);
    } finally {
      await served.close();
    }
  });
});

describe('RequestGate', () => {
  it('halves the requests in flight on a 429 (once per round) and grows back additively', async () => {
    const gate = new RequestGate('test', undefined);
    expect(gate.limit).toBe(DEFAULT_MAX_IN_FLIGHT_REQUESTS);
    const tickets = await Promise.all(Array.from({ length: 8 }, () => gate.acquire(undefined)));
    // Eight requests sent together, all throttled: one decrease, not eight.
    for (const ticket of tickets) gate.release(ticket, true);
    expect(gate.limit).toBe(4);
    for (let round = 0; round < 4; round++) {
      const ticket = await gate.acquire(undefined);
      gate.release(ticket, false);
    }
    expect(gate.limit).toBeGreaterThan(4.9);
    expect(gate.limit).toBeLessThan(5.1);
  });

  it('holds a request while the limit is reached, and an abort releases the wait', async () => {
    const gate = new RequestGate('test', undefined);
    const first = await gate.acquire(undefined);
    const second = await gate.acquire(undefined);
    gate.release(first, true);
    expect(gate.limit).toBe(1);
    let third = false;
    const waiting = gate.acquire(undefined).then((ticket) => {
      third = true;
      return ticket;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBe(false);
    const controller = new AbortController();
    const aborted = gate.acquire(controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    gate.release(second, false);
    gate.release(await waiting, false);
    expect(third).toBe(true);
  });

  it('maxRequestsPerSecond spaces request starts evenly', async () => {
    const emulator = createOkChatEmulator({ conversations: 12 });
    const source = createOkChatSource({
      apiKey: emulator.apiKey,
      chatbotId: emulator.chatbotId,
      baseURL: 'https://okchat.test',
      fetch: emulator.fetch,
      maxRequestsPerSecond: 20,
    });
    const started = performance.now();
    await source.listConversations({ pageSize: 2, concurrency: 6 }).toArray();
    // 6 pages at 20 per second: at least 5 intervals of 50 ms, however many are in flight.
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(emulator.stats.requests).toBe(6);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects maxRequestsPerSecond %s at creation',
    (value) => {
      expect(() =>
        createOkChatSource({ apiKey: 'k', chatbotId: 'b', maxRequestsPerSecond: value }),
      ).toThrow(/maxRequestsPerSecond must be a positive number/);
    },
  );
});
