import { describe, expect, it } from 'vitest';
import { codeForStatus, isRetryableStatus } from '../../src/errors/code-for-status.js';
import { backoffDelay, parseRetryAfter, resolveRetryOptions, sleep } from '../../src/http/retry.js';
import { ChatHistoryError, DEFAULT_RETRY } from '../../src/index.js';
import { createRedactor, sanitizeError } from '../../src/text/redact.js';

describe('ChatHistoryError', () => {
  it('defaults retryable from the code', () => {
    expect(new ChatHistoryError('x', { code: 'server_error' }).retryable).toBe(true);
    expect(new ChatHistoryError('x', { code: 'timeout' }).retryable).toBe(true);
    expect(new ChatHistoryError('x', { code: 'not_found' }).retryable).toBe(false);
    expect(new ChatHistoryError('x', { code: 'invalid_response' }).retryable).toBe(false);
  });

  it('is() recognises errors from another copy of the library, and nothing else', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('chat-history-kit.ChatHistoryError')]: true,
    });
    expect(ChatHistoryError.is(foreign)).toBe(true);
    expect(ChatHistoryError.is(new ChatHistoryError('x', { code: 'network' }))).toBe(true);
    expect(ChatHistoryError.is(new Error('x'))).toBe(false);
    expect(ChatHistoryError.is(null)).toBe(false);
    expect(ChatHistoryError.is('ChatHistoryError')).toBe(false);
  });

  it('toJSON() keeps what callers need and the cause as name and message only', () => {
    const error = new ChatHistoryError('GET /x -> 503 server_error (okchat)', {
      code: 'server_error',
      source: 'okchat',
      status: 503,
      method: 'GET',
      path: '/x',
      attempts: 4,
      cursor: { page: 3, limit: 50 },
      cause: Object.assign(new Error('socket hang up'), {
        request: { headers: { 'x-api-key': 'k' } },
      }),
    });
    expect(error.toJSON()).toEqual({
      name: 'ChatHistoryError',
      code: 'server_error',
      message: 'GET /x -> 503 server_error (okchat)',
      retryable: true,
      source: 'okchat',
      status: 503,
      method: 'GET',
      path: '/x',
      attempts: 4,
      cursor: { page: 3, limit: 50 },
      cause: { name: 'Error', message: 'socket hang up' },
    });
  });

  it.each([
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [404, 'not_found', false],
    [408, 'timeout', true],
    [409, 'bad_request', false],
    [429, 'rate_limited', true],
    [500, 'server_error', true],
    [504, 'server_error', true],
  ] as const)('status %i -> %s (retry: %s)', (status, code, retryable) => {
    expect(codeForStatus(status)).toBe(code);
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('redaction', () => {
  it('replaces every occurrence of every secret; keys under 4 characters are no secret', () => {
    const redact = createRedactor(['abc123', '', 'zzzz', 'k']);
    expect(redact('key=abc123&other=abc123 zzzz OkChat')).toBe(
      'key=[REDACTED]&other=[REDACTED] [REDACTED] OkChat',
    );
  });

  it('replaces every run of 8 or more characters of a long secret, wherever it stands', () => {
    const key = 'sk-live-4f9a1c7e2b8d6035aa1f';
    const redact = createRedactor([key]);
    expect(redact(`x${key}y`)).toBe('x[REDACTED]y');
    // A preview cut mid-key, a parser's snippet, a key split around other text.
    expect(redact(`"${key.slice(0, 16)}…`)).toBe('"[REDACTED]…');
    expect(redact(`token ${key.slice(10, 18)} here`)).toBe('token [REDACTED] here');
    expect(redact(`${key.slice(0, 12)}::${key.slice(12)}`)).toBe('[REDACTED]::[REDACTED]');
    // Seven characters are not a fragment.
    expect(redact(key.slice(3, 10))).toBe(key.slice(3, 10));
  });

  it('sanitizeError keeps name, message, code and cause, and drops everything else', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED (key abc123)'), {
      code: 'ECONNREFUSED',
    });
    const outer = Object.assign(new TypeError('fetch failed', { cause: inner }), {
      options: { headers: { 'x-api-key': 'abc123' } },
    });
    const copy = sanitizeError(outer, createRedactor(['abc123']));
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('fetch failed');
    expect(Object.keys(copy)).not.toContain('options');
    const cause = copy.cause as Error & { code?: string };
    expect(cause.message).toBe('connect ECONNREFUSED (key [REDACTED])');
    expect(cause.code).toBe('ECONNREFUSED');
    expect(String(cause.stack)).not.toContain('abc123');
  });
});

describe('retry policy', () => {
  it('resolves the retry option forms', () => {
    expect(resolveRetryOptions(undefined)).toEqual(DEFAULT_RETRY);
    expect(DEFAULT_RETRY).toEqual({ retries: 3, baseDelayMs: 250, maxDelayMs: 30_000 });
    expect(resolveRetryOptions(false).retries).toBe(0);
    expect(resolveRetryOptions(5).retries).toBe(5);
    expect(resolveRetryOptions({ baseDelayMs: 10 })).toEqual({ ...DEFAULT_RETRY, baseDelayMs: 10 });
  });

  it('backoff is full jitter under an exponential ceiling capped at maxDelayMs', () => {
    const options = { retries: 10, baseDelayMs: 250, maxDelayMs: 30_000 };
    expect(backoffDelay(0, options, () => 0.999999)).toBe(249);
    expect(backoffDelay(3, options, () => 0.5)).toBe(1000);
    expect(backoffDelay(20, options, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(5, options, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('sleep rejects with code aborted when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal, 'test');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted', source: 'test' });
    await expect(sleep(10, AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
  });
});
