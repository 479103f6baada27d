// Rate limits: a run with no limit configured, against a server that allows 600 requests a minute and
// answers 429 beyond, adapts: it sends at no less than 90% of the allowed rate, and at most 5% of its
// requests are answered 429. The server's window is 6 s instead of 60 (60 requests per 6 s, the same
// rate; see SimulatorOptions.rateLimit) so the steady state comes within seconds; bench/rate-limit.ts
// measures the same against a full 60 s window.
import { expect, it } from 'vitest';
import { measureRateLimit } from '../../../bench/rate-limit.ts';

it('adapts to a 600 rpm limit it was not told about: ≥ 90% of the rate, ≤ 5% answered 429', { timeout: 120_000 }, async () => {
  const m = await measureRateLimit({ rpm: 600, windowMs: 6000, items: 300, batchSize: 64, latencyMs: 50 });
  console.log(`rate limit (6 s window): ${m.summary}`);
  expect(m.status).toBe('completed');
  expect(m.done).toBe(300);
  expect(m.shareOfLimit).toBeGreaterThanOrEqual(0.9);
  expect(m.share429).toBeLessThanOrEqual(0.05);
});
