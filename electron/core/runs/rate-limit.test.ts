// Rate limits: a run with no limit configured, against a server that allows 600 requests a minute and
// answers 429 beyond (over a 3 s window, 30 requests, so the test is short), runs into the limit with
// its first window of 64 and still finishes: every item done, each answered once, the 429s retried.
// How close it comes to the allowed rate, and how few 429s it gets, are figures: bench/rate-limit.ts.
import { expect, it } from 'vitest';
import { measureRateLimit } from '../../../bench/rate-limit.ts';

it('finishes every item once against a 600 rpm limit it was not told about, retrying the 429s', { timeout: 120_000 }, async () => {
  const m = await measureRateLimit({ rpm: 600, windowMs: 3000, items: 120, batchSize: 64, latencyMs: 50 });
  expect(m.status).toBe('completed');
  expect(m.done).toBe(120);
  expect(m.answered).toBe(120);
  expect(m.answered429).toBeGreaterThan(0);
  expect(m.requests).toBe(m.answered + m.answered429);
});
