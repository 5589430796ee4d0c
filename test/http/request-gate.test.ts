import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestGate } from '../../src/http/request-gate.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RequestGate: the cap, order and cancellation', () => {
  it('grants waiting requests first come, first served', async () => {
    const gate = new RequestGate('test', undefined, 1);
    const first = await gate.acquire(undefined);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((label) =>
      gate.acquire(undefined).then((ticket) => {
        order.push(label);
        return ticket;
      }),
    );
    gate.release(first, false);
    for (const ticket of waiting) gate.release(await ticket, false);
    expect(order).toEqual([1, 2, 3]);
    expect(gate.inFlight).toBe(0);
  });

  it('a request aborted while queued gives up its turn and holds no place', async () => {
    const gate = new RequestGate('test', undefined, 1);
    const first = await gate.acquire(undefined);
    const controller = new AbortController();
    const cancelled = gate.acquire(controller.signal);
    const next = gate.acquire(undefined);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'aborted' });
    gate.release(first, false);
    gate.release(await next, false);
    expect(gate.inFlight).toBe(0);
  });

  it('an already-aborted signal is refused without taking a place', async () => {
    const gate = new RequestGate('test', undefined, 1);
    await expect(gate.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
    expect(gate.inFlight).toBe(0);
  });

  it('requests cancelled while they wait for the pace leave no gap in it', async () => {
    vi.useFakeTimers();
    const gate = new RequestGate('test', 2, 100); // one start every 500 ms
    gate.release(await gate.acquire(undefined), false);
    const controller = new AbortController();
    const cancelled = Array.from({ length: 10 }, () => gate.acquire(controller.signal));
    for (const pending of cancelled) pending.catch(() => undefined);
    controller.abort();
    await Promise.allSettled(cancelled);
    let started = false;
    const next = gate.acquire(undefined).then((ticket) => {
      started = true;
      return ticket;
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(started).toBe(true);
    gate.release(await next, false);
    expect(gate.inFlight).toBe(0);
  });

  it('spaces starts evenly, one interval apart', async () => {
    vi.useFakeTimers();
    const gate = new RequestGate('test', 10, 100); // one start every 100 ms
    const starts: number[] = [];
    const origin = Date.now();
    const tickets = Array.from({ length: 4 }, () =>
      gate.acquire(undefined).then((ticket) => {
        starts.push(Date.now() - origin);
        return ticket;
      }),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([0, 100, 200, 300]);
    for (const ticket of tickets) gate.release(await ticket, false);
  });
});
