import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runBatchTasks, type EngineEvent } from './batch.ts';
import type { CallReport } from './llm.ts';
import { AdaptiveWindow, RateGate, TokenBucket, type WindowAnswer } from './rate.ts';
import { Task, type TaskResult } from './task.ts';
import { testAgent } from './testing.ts';

const ok200: CallReport = { attempt: 1, status: 200, ok: true, promptTokens: 1, completionTokens: 1, latencyMs: 5 };

describe('on a fake clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts n takes at once; returns how many have been granted so far. */
  function granted(n: number, take: () => Promise<unknown>): () => number {
    let count = 0;
    for (let i = 0; i < n; i++) void take().then(() => (count += 1));
    return () => count;
  }

  describe('TokenBucket', () => {
    it('lets a burst through, then paces at the rate', async () => {
      const bucket = new TokenBucket(600, 5); // 10 a second, bursts of 5
      const count = granted(10, () => bucket.take(1));
      await vi.advanceTimersByTimeAsync(0);
      expect(count()).toBe(5);
      await vi.advanceTimersByTimeAsync(99);
      expect(count()).toBe(5);
      await vi.advanceTimersByTimeAsync(1);
      expect(count()).toBe(6);
      await vi.advanceTimersByTimeAsync(400);
      expect(count()).toBe(10);
    });

    it('rejects a waiter at once when its signal aborts, without holding the others', async () => {
      const bucket = new TokenBucket(60, 1);
      await bucket.take(1);
      const controller = new AbortController();
      const waiting = bucket.take(1, controller.signal);
      const next = bucket.take(1);
      controller.abort(new Error('gone'));
      await expect(waiting).rejects.toThrow('gone');
      // The aborted waiter's token goes to the next one, a second later.
      await vi.advanceTimersByTimeAsync(1000);
      await expect(next).resolves.toBeUndefined();
    });
  });

  describe('RateGate', () => {
    it('holds all sending for the reset time when the server says no request is left', () => {
      const gate = new RateGate();
      const ticket = gate.tryAcquire(10)!;
      gate.report(ticket, { ...ok200, rateLimit: { remainingRequests: 0, resetRequestsMs: 300 } });
      expect(gate.holdRemainingMs()).toBe(300);
      expect(gate.tryAcquire(10)).toBeUndefined();
      vi.advanceTimersByTime(300);
      expect(gate.holdRemainingMs()).toBe(0);
      expect(gate.tryAcquire(10)).toBeDefined();
    });

    it('counts the calls sent since a response against its remaining count', () => {
      const gate = new RateGate();
      const first = gate.tryAcquire(1)!;
      gate.tryAcquire(1);
      // The server had 3 left when it answered `first`: one more call leaves 2, no hold.
      gate.report(first, { ...ok200, rateLimit: { remainingRequests: 3, resetRequestsMs: 100 } });
      expect(gate.holdRemainingMs()).toBe(0);
      gate.tryAcquire(1);
      gate.tryAcquire(1);
      // Three calls went out after `first`; the server had 2 left when it answered it.
      gate.report(first, { ...ok200, rateLimit: { remainingRequests: 2, resetRequestsMs: 100 } });
      expect(gate.holdRemainingMs()).toBe(100);
    });

    it('learns the limit from x-ratelimit-limit-requests and paces under it', async () => {
      const gate = new RateGate();
      const t = gate.tryAcquire(1)!;
      gate.report(t, { ...ok200, rateLimit: { limitRequests: 1200, remainingRequests: 1000 } });
      expect(gate.learnedRpm).toBe(1200);
      // 1200 × 0.95 a minute: 19 a second, bursts of 19.
      const count = granted(40, () => gate.acquire(1));
      await vi.advanceTimersByTimeAsync(0);
      expect(count()).toBe(19);
      await vi.advanceTimersByTimeAsync(500); // 9.5 more tokens
      expect(count()).toBe(28);
      await vi.advanceTimersByTimeAsync(525); // 19.5 more in all
      expect(count()).toBe(38);
      await vi.advanceTimersByTimeAsync(125);
      expect(count()).toBe(40);
    });

    it('obeys a configured rpm', async () => {
      const gate = new RateGate({ rpm: 120 }); // 2 a second, bursts of 2
      const count = granted(6, () => gate.acquire(1));
      await vi.advanceTimersByTimeAsync(0);
      expect(count()).toBe(2);
      await vi.advanceTimersByTimeAsync(500);
      expect(count()).toBe(3);
      await vi.advanceTimersByTimeAsync(1500);
      expect(count()).toBe(6);
    });
  });
});

describe("AdaptiveWindow's rule", () => {
  /** A window on a clock the test moves, and the answers it is told. */
  function windowOf(max: number) {
    const clock = { t: 0 };
    const window = new AdaptiveWindow(max, () => clock.t);
    const tell = (answer: Partial<WindowAnswer> & { status: number }) => window.onAnswer({ sentAt: clock.t, ok: answer.status === 200, ...answer });
    return { window, clock, tell };
  }

  it('keeps its size through sporadic 429s: 5% of rows answering 429 twice', () => {
    const { window, clock, tell } = windowOf(32);
    // 2,000 rows, one answered every 3 ms (the rate of 32 in flight at 100 ms); every 20th row is
    // answered 429 with retry-after 1 s, twice, then succeeds: its retries come back among the answers
    // of the rows after it. Halfway, a stall of a second brings a second's retries back at once.
    const retries = new Map<number, number[]>();
    for (let row = 0; row < 2000 || retries.size > 0; row++) {
      clock.t += row === 1000 ? 1000 : 3;
      for (const [at, tries] of [...retries]) {
        if (at > clock.t) continue;
        retries.delete(at);
        for (const left of tries) {
          if (left > 0) {
            tell({ status: 429, retryInMs: 1000, sentAt: clock.t - 100 });
            retries.set(clock.t + 1000, [...(retries.get(clock.t + 1000) ?? []), left - 1]);
          } else tell({ status: 200, sentAt: clock.t - 100 });
        }
      }
      if (row >= 2000) continue;
      if (row % 20 === 9) {
        tell({ status: 429, retryInMs: 1000 });
        retries.set(clock.t + 1000, [...(retries.get(clock.t + 1000) ?? []), 1]);
      } else tell({ status: 200 });
      expect(window.limit).toBe(32);
    }
    // Past the last row only retries are answered, half of them 429s: the window may shrink then,
    // when no item is left to start.
  });

  it('lends the slot of a call waiting out its retry-after to another item, until the wait ends', () => {
    const { window, clock, tell } = windowOf(4);
    expect(window.items).toBe(4);
    tell({ status: 429, retryInMs: 1000 });
    clock.t += 500;
    tell({ status: 429, retryInMs: 1000 });
    expect(window.limit).toBe(4);
    expect(window.items).toBe(6);
    clock.t += 500;
    expect(window.items).toBe(5);
    clock.t += 500;
    expect(window.items).toBe(4);
    // Never more than the window again.
    for (let i = 0; i < 10; i++) tell({ status: 429, retryInMs: 1000 });
    expect(window.items).toBe(8);
  });

  it('halves when 429s are a sustained share of the recent answers, once per overload', () => {
    const { window, clock, tell } = windowOf(32);
    // One answer in three is a 429: the 30th 429 among the last 100 answers halves the window.
    let answers = 0;
    while (window.limit === 32) {
      clock.t += 1;
      answers += 1;
      tell({ status: answers % 3 === 0 ? 429 : 200 });
      expect(answers).toBeLessThanOrEqual(90);
    }
    expect(answers).toBe(90);
    expect(window.limit).toBe(16);
    // 429s to calls sent before the decrease are the same overload.
    for (let i = 0; i < 50; i++) tell({ status: 429, sentAt: clock.t - 1 });
    expect(window.limit).toBe(16);
    // 30 more to calls sent since are a new one.
    clock.t += 1;
    for (let i = 0; i < 29; i++) expect(tell({ status: 429 })).toBe(false);
    expect(tell({ status: 429 })).toBe(true);
    expect(window.limit).toBe(8);
  });

  it('halves at once when an answer says no request is left, once per overload', () => {
    const { window, clock, tell } = windowOf(32);
    tell({ status: 200, remainingRequests: 1 });
    expect(window.limit).toBe(32);
    expect(tell({ status: 200, remainingRequests: 0 })).toBe(true);
    expect(window.limit).toBe(16);
    expect(tell({ status: 429, remainingRequests: 0, sentAt: clock.t - 1 })).toBe(false);
    expect(window.limit).toBe(16);
    clock.t += 1;
    expect(tell({ status: 429, remainingRequests: 0, retryInMs: 1000 })).toBe(true);
    expect(window.limit).toBe(8);
  });

  it('grows back by one every quarter-window of successes, up to its maximum', () => {
    const { window, clock, tell } = windowOf(32);
    tell({ status: 200, remainingRequests: 0 });
    expect(window.limit).toBe(16);
    clock.t += 1;
    for (let i = 0; i < 3; i++) expect(tell({ status: 200 })).toBe(false);
    expect(tell({ status: 200 })).toBe(true);
    expect(window.limit).toBe(17);
    // From 17 to 32: 5 × 4 + 6 × 4 + 7 × 4 + 8 × 3 = 96 more successes.
    for (let i = 0; i < 95; i++) tell({ status: 200 });
    expect(window.limit).toBe(31);
    tell({ status: 200 });
    expect(window.limit).toBe(32);
    for (let i = 0; i < 100; i++) tell({ status: 200 });
    expect(window.limit).toBe(32);
  });

  it('never goes below one', () => {
    const { window, clock, tell } = windowOf(4);
    for (let i = 0; i < 5; i++) {
      clock.t += 1;
      tell({ status: 429, remainingRequests: 0 });
    }
    expect(window.limit).toBe(1);
  });
});

describe('a batch with sporadic 429s', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 20 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('keeps its window, and starts another item while a throttled one waits out its retry-after', async () => {
    const agent = testAgent(sim.url);
    const rows = Array.from({ length: 60 }, (_, i) => (i % 20 === 9 ? `row ${i} [[status:429x2]] [[retryafter:300]]` : `row ${i}`));
    let running = 0;
    let mostRunning = 0;
    const windows = new Set<number>();
    const onEvent = (e: EngineEvent<TaskResult>) => {
      if (e.type === 'item-started') mostRunning = Math.max(mostRunning, ++running);
      else if (e.type === 'item-done' || e.type === 'item-failed') running -= 1;
      else if (e.type === 'progress') windows.add(e.concurrency);
    };
    const results = await runBatchTasks(new Task(agent), rows, { batchSize: 4, onEvent, progressIntervalMs: 0 });
    await agent.close();
    expect(results.every((r) => r !== null)).toBe(true);
    expect(sim.stats().byStatus[429]).toBe(6);
    expect([...windows]).toEqual([4]);
    // A 429 lends its slot at once: a fifth item starts beside the four calls in flight.
    expect(mostRunning).toBeGreaterThan(4);
    expect(mostRunning).toBeLessThanOrEqual(8);
  });

  it('never has more calls in flight than the window: a retry whose wait is over waits for a call slot', async () => {
    const agent = testAgent(sim.url);
    sim.resetStats();
    // Row 0's retry comes due while rows 1 and 2 (started in its lent slot) are still being answered.
    const rows = ['row 0 [[status:429x1]] [[retryafter:50]]', 'row 1 [[sleep:500]]', 'row 2 [[sleep:500]]', 'row 3'];
    const results = await runBatchTasks(new Task(agent), rows, { batchSize: 2 });
    await agent.close();
    expect(results.every((r) => r !== null)).toBe(true);
    expect(sim.stats().byStatus[429]).toBe(1);
    expect(sim.stats().maxInFlight).toBe(2);
  });
});

describe('a batch against a rate-limited server', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // One request a minute: a call the batch sent too early would be answered 429.
    sim = await startSimulator({ latencyMs: 20, rateLimit: { rpm: 1 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  /** Runs the items until the first is done, then stops the batch; returns the events. */
  async function runUntilFirstDone(items: string[], options: { batchSize: number; rpm?: number }): Promise<EngineEvent<TaskResult | null>[]> {
    const agent = testAgent(sim.url);
    const controller = new AbortController();
    const events: EngineEvent<TaskResult | null>[] = [];
    const onEvent = (e: EngineEvent<TaskResult | null>) => {
      events.push(e);
      if (e.type === 'item-done') controller.abort(new Error('seen enough'));
    };
    // A cancel resolves with what finished; the stop says why.
    const results = await runBatchTasks(new Task(agent), items, { ...options, signal: controller.signal, onEvent });
    expect(results.stopped?.error?.message).toBe('seen enough');
    await agent.close();
    return events;
  }

  it('holds the next call once the answer says none is left, without a 429', async () => {
    sim.resetStats();
    const events = await runUntilFirstDone(['held 0', 'held 1', 'held 2'], { batchSize: 1 });
    // The next call waits out the reset (a minute) instead of drawing a 429; stopping ends the wait.
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(1);
    expect(sim.stats().requests).toBe(1);
    expect(sim.stats().byStatus[429]).toBeUndefined();
  });

  it('holds back calls beyond a configured rpm', async () => {
    sim.setOptions({ rateLimit: undefined });
    sim.resetStats();
    // 1 a minute: the first call goes at once, the second would go a minute later.
    const events = await runUntilFirstDone(['paced 0', 'paced 1', 'paced 2'], { batchSize: 3, rpm: 1 });
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(1);
    expect(sim.stats().requests).toBe(1);
  });
});
