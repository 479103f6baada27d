import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runBatchTasks } from './batch.ts';
import { RateGate, TokenBucket } from './rate.ts';
import { AdaptiveWindow } from './scheduler.ts';
import { Task } from './task.ts';
import { testAgent, timeSince } from './testing.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', async () => {
    const bucket = new TokenBucket(600, 5); // 10 a second, bursts of 5
    const t0 = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 10 }, () => bucket.take(1).then(() => times.push(timeSince(t0)))));
    expect(times.slice(0, 5).every((t) => t < 30)).toBe(true);
    expect(times[9]).toBeGreaterThanOrEqual(450);
    expect(times[9]).toBeLessThan(800);
  });

  it('rejects a waiter at once when its signal aborts, without holding the others', async () => {
    const bucket = new TokenBucket(60, 1);
    await bucket.take(1);
    const controller = new AbortController();
    const waiting = bucket.take(1, controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
  });
});

describe('RateGate', () => {
  it('holds all sending when the server says no request is left', async () => {
    const gate = new RateGate();
    const ticket = await gate.acquire(10);
    gate.report(ticket, { attempt: 1, status: 200, ok: true, promptTokens: 1, completionTokens: 1, latencyMs: 5, rateLimit: { remainingRequests: 0, resetRequestsMs: 300 } });
    expect(gate.holdRemainingMs()).toBeGreaterThan(250);
    const t0 = performance.now();
    await gate.acquire(10);
    expect(timeSince(t0)).toBeGreaterThanOrEqual(280);
  });

  it('counts the calls sent since a response against its remaining count', async () => {
    const gate = new RateGate();
    const first = await gate.acquire(1);
    await gate.acquire(1);
    await gate.acquire(1);
    // Two more calls went out after `first`; the server had 2 left when it answered `first`.
    gate.report(first, { attempt: 1, status: 200, ok: true, promptTokens: 1, completionTokens: 1, latencyMs: 5, rateLimit: { remainingRequests: 2, resetRequestsMs: 100 } });
    expect(gate.holdRemainingMs()).toBeGreaterThan(50);
  });

  it('learns the limit from x-ratelimit-limit-requests and paces under it', async () => {
    const gate = new RateGate();
    const t = await gate.acquire(1);
    gate.report(t, { attempt: 1, status: 200, ok: true, promptTokens: 1, completionTokens: 1, latencyMs: 5, rateLimit: { limitRequests: 1200, remainingRequests: 1000 } });
    expect(gate.learnedRpm).toBe(1200);
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) await gate.acquire(1); // 19/s allowed after a burst of 19
    expect(timeSince(t0)).toBeGreaterThan(900);
  });
});

describe('AdaptiveWindow', () => {
  it('halves when a quarter of the recent answers are 429s (once per burst), grows back by one per window of successes', () => {
    const w = new AdaptiveWindow(8);
    const sentBefore = performance.now() - 1;
    for (let i = 0; i < 4; i++) expect(w.onThrottle(sentBefore)).toBe(false);
    expect(w.onThrottle(sentBefore)).toBe(true);
    expect(w.limit).toBe(4);
    for (let i = 0; i < 10; i++) expect(w.onThrottle(sentBefore)).toBe(false); // same burst
    expect(w.limit).toBe(4);
    for (let i = 0; i < 4; i++) w.onSuccess();
    expect(w.limit).toBe(5);
    for (let i = 0; i < 5 + 6 + 7; i++) w.onSuccess();
    expect(w.limit).toBe(8);
    w.onSuccess();
    expect(w.limit).toBe(8);
    // Each new overload halves it again.
    for (let k = 1; k <= 4; k++) {
      const later = performance.now() + k;
      for (let i = 0; i < 5; i++) w.onThrottle(later);
    }
    expect(w.limit).toBe(1);
  });

  it('keeps its size through sporadic 429s', () => {
    const w = new AdaptiveWindow(64);
    // One call in twenty throttled, as a server with random 429s does.
    for (let i = 1; i <= 2000; i++) {
      if (i % 20 === 0) w.onThrottle(performance.now());
      else w.onSuccess();
    }
    expect(w.limit).toBe(64);
    // Four in twenty are still sporadic; five are an overload.
    for (let i = 0; i < 16; i++) w.onSuccess();
    for (let i = 0; i < 4; i++) w.onThrottle(performance.now());
    expect(w.limit).toBe(64);
    w.onThrottle(performance.now());
    expect(w.limit).toBe(32);
  });
});

describe('against a rate-limited server', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 20, rateLimit: { rpm: 240 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('learns the limit from the first answers and stays under it, without 429s', async () => {
    const agent = testAgent(sim.url);
    const t0 = performance.now();
    const results = await runBatchTasks(new Task(agent), Array.from({ length: 16 }, (_, i) => `paced ${i}`), { batchSize: 4 });
    const elapsed = timeSince(t0) / 1000;
    expect(results).toHaveLength(16);
    expect(sim.stats().byStatus[429] ?? 0).toBe(0);
    // 4 before the limit is known, then 240 x 0.95 a minute (3.8 a second, bursts of 3.8).
    expect(elapsed).toBeGreaterThan(2);
    expect(elapsed).toBeLessThan(4.5);
    await agent.close();
  });

  it('obeys a configured rpm below the server limit', async () => {
    const agent = testAgent(sim.url);
    sim.resetStats();
    const t0 = performance.now();
    await runBatchTasks(new Task(agent), Array.from({ length: 6 }, (_, i) => `configured ${i}`), { batchSize: 6, rpm: 120 });
    // A burst of 2, then one every 500 ms.
    expect(timeSince(t0)).toBeGreaterThan(1800);
    await agent.close();
  });
});
