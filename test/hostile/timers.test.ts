import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, parseRetryAfter, sleep } from '../../src/http/retry.js';
import type { RetryOptions } from '../../src/index.js';
import { caught } from '../helpers/caught.js';
import { okchatPage, okchatSource, Servers, sendJson } from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

function throttling(retryAfter: string) {
  return servers.start((_request, response) => {
    response.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
    response.end('{"error":"slow down"}');
  });
}

describe('Retry-After from a vendor', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['-5', undefined],
    ['1e3', undefined],
    ['+3', undefined],
    ['soon', undefined],
    ['2026-01-01', undefined],
    ['5', 5000],
    ['0.25', 250],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Thursday, 01-Jan-26 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['99999999999', MAX_TIMER_MS],
    ['Fri, 01 Jan 2100 00:00:00 GMT', MAX_TIMER_MS],
  ])('%j waits %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it('a negative Retry-After is ignored: the computed backoff applies, not 0 ms', async () => {
    const vendor = await throttling('-5');
    const error = await caught(
      okchatSource(vendor.url, { retry: { retries: 1, baseDelayMs: 1 } })
        .listConversations()
        .toArray(),
    );
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeUndefined();
    expect(vendor.requests).toHaveLength(2);
  });

  it('a wait longer than a timer holds is clamped, not turned into 1 ms (maxDelayMs: Infinity)', async () => {
    const vendor = await throttling('99999999999');
    const controller = new AbortController();
    const listing = okchatSource(vendor.url, {
      retry: { retries: 5, baseDelayMs: 1, maxDelayMs: Number.POSITIVE_INFINITY },
    })
      .listConversations({ signal: controller.signal })
      .toArray();
    setTimeout(() => controller.abort(), 150);
    const error = await caught(listing);
    expect(error.code).toBe('aborted');
    // Overflowing timers fire at once: the retries would all have gone out by now.
    expect(vendor.requests).toHaveLength(1);
  });

  it('sleep clamps what it is given to what a timer holds', async () => {
    const outcome = await Promise.race([
      sleep(2 ** 40).then(() => 'slept'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 50)),
    ]);
    expect(outcome).toBe('still waiting');
  });
});

describe('timeouts and retry options from the caller', () => {
  it.each([2 ** 31, 2 ** 40, Number.POSITIVE_INFINITY])(
    'timeout %s is clamped to the timer limit: requests do not time out at once',
    async (timeout) => {
      const vendor = await servers.start((_request, response) =>
        setTimeout(() => sendJson(response, okchatPage([])), 20),
      );
      const conversations = await okchatSource(vendor.url, { timeout })
        .listConversations()
        .toArray();
      expect(conversations).toEqual([]);
    },
  );

  it.each([0, -1, Number.NaN, '1000', false])(
    'timeout %j is bad_request at creation',
    (timeout) => {
      expect(() => okchatSource('http://127.0.0.1:1', { timeout: timeout as number })).toThrow(
        /timeout must be a positive number of milliseconds/,
      );
    },
  );

  it.each<[unknown, RegExp]>([
    [{ baseDelayMs: Number.NaN }, /retry.baseDelayMs must be a number of milliseconds >= 0/],
    [{ baseDelayMs: -1 }, /retry.baseDelayMs must be/],
    [{ maxDelayMs: '5' }, /retry.maxDelayMs must be a number of milliseconds >= 0, got string/],
    [{ retries: 1.5 }, /retry.retries must be a whole number >= 0/],
    [{ retries: Number.POSITIVE_INFINITY }, /retry.retries must be a whole number >= 0/],
    [-1, /retry.retries must be a whole number >= 0/],
    ['3', /retry must be a number of retries, false, or/],
    [true, /retry must be a number of retries, false, or/],
  ])('retry %j is bad_request at creation', (retry, message) => {
    expect(() => okchatSource('http://127.0.0.1:1', { retry: retry as RetryOptions })).toThrowError(
      message,
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('maxInFlightRequests %s is bad_request', (value) => {
    expect(() => okchatSource('http://127.0.0.1:1', { maxInFlightRequests: value })).toThrow(
      /maxInFlightRequests must be a whole number >= 1/,
    );
  });
});
