import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { LlmCallError, LlmClient, backoffMs, parseDurationMs, parseRateLimitHeaders, parseRetryAfter, type CallReport } from './llm.ts';

/** Waits until check() holds, a turn of the event loop at a time. */
async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

let sim: Simulator;
let client: LlmClient;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 10 });
  client = new LlmClient({ baseURL: sim.url, apiKey: 'k' });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(() => sim.resetStats());

const ask = (text: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: text }] });

describe('LlmClient', () => {
  it('probe: any HTTP answer counts as the endpoint up (a 401 too); no connection does not', async () => {
    expect(await client.probe()).toBe(true);
    const locked = await startSimulator({ apiKey: 'only-this' });
    const other = new LlmClient({ baseURL: `${locked.url}/`, apiKey: 'wrong' });
    try {
      expect(await other.probe()).toBe(true);
      expect(locked.stats().byStatus[401]).toBe(1);
      await locked.close();
      expect(await other.probe()).toBe(false);
    } finally {
      await other.close();
      await locked.close();
    }
  });

  it('answers through the openai SDK with usage and reports each attempt', async () => {
    const reports: CallReport[] = [];
    const reply = await client.complete(ask('hello'), { hooks: { afterAttempt: (r) => reports.push(r) } });
    expect(reply.content).toBe('Simulated reply to: hello');
    expect(reply.promptTokens).toBeGreaterThan(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ attempt: 1, status: 200, ok: true, promptTokens: reply.promptTokens });
  });

  it('retries 5xx with backoff and reports the failed attempts with zero tokens', async () => {
    const reports: CallReport[] = [];
    const random = () => 0.1;
    const reply = await client.complete(ask('flaky [[status:503x2]]'), { maxRetries: 3, random, hooks: { afterAttempt: (r) => reports.push(r) } });
    expect(reply.content).toContain('flaky');
    expect(reports.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(reports[0]).toMatchObject({ ok: false, promptTokens: 0, completionTokens: 0 });
    // The backoff doubles its ceiling with each retry; the answer sets no wait.
    expect(reports.map((r) => r.retryInMs)).toEqual([backoffMs(1, random), backoffMs(2, random), undefined]);
  });

  it('gives up after maxRetries with the status and attempt count', async () => {
    const error = await client.complete(ask('always down [[status:500]]'), { maxRetries: 1, random: () => 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmCallError);
    expect((error as LlmCallError).status).toBe(500);
    expect((error as LlmCallError).attempts).toBe(2);
    expect((error as Error).message).toMatch(/gave up after 2 attempts/);
  });

  it('does not retry a 4xx other than 408, 409 and 429', async () => {
    const error = (await client.complete(ask('bad [[status:422]]'), { maxRetries: 5 }).catch((e: unknown) => e)) as LlmCallError;
    expect(error.status).toBe(422);
    expect(error.attempts).toBe(1);
    expect(sim.stats().requests).toBe(1);
  });

  it('times out a hanging call and retries it once only, whatever maxRetries; the status of a timeout is 0', async () => {
    const reports: CallReport[] = [];
    const error = (await client
      .complete(ask('hangs [[hang]]'), { timeoutMs: 200, maxRetries: 5, random: () => 0, hooks: { afterAttempt: (r) => reports.push(r) } })
      .catch((e: unknown) => e)) as LlmCallError;
    expect(error).toBeInstanceOf(LlmCallError);
    expect(error.message).toBe('the request timed out after 200 ms (gave up after 2 attempts)');
    expect(reports.map((r) => r.status)).toEqual([0, 0]);
    expect(sim.stats().byPrompt.get('hangs [[hang]]')).toBe(2);
  });

  it('retries a dropped connection', async () => {
    const reports: CallReport[] = [];
    const error = (await client
      .complete(ask('drops [[drop]]'), { maxRetries: 2, random: () => 0, hooks: { afterAttempt: (r) => reports.push(r) } })
      .catch((e: unknown) => e)) as LlmCallError;
    expect(error.message).toMatch(/connection/);
    expect(reports.map((r) => r.status)).toEqual([0, 0, 0]);
  });

  // The waits below would outlast the test's own time limit: only the abort can end them.
  it('stops at once when aborted during a retry wait', async () => {
    const controller = new AbortController();
    const reports: CallReport[] = [];
    // A jitter draw this large makes the wait after the 429 days long; the abort comes as it starts.
    const error = await client
      .complete(ask('limited [[status:429]]'), {
        signal: controller.signal,
        maxRetries: 5,
        random: () => 1e6,
        hooks: {
          afterAttempt: (r) => {
            reports.push(r);
            controller.abort(new Error('stop now'));
          },
        },
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop now');
    expect(reports).toHaveLength(1);
    expect(reports[0].retryInMs).toBeGreaterThan(100_000_000);
  });

  it('stops at once when aborted during the call', async () => {
    const controller = new AbortController();
    const pending = client.complete(ask('never answered [[hang]]'), { signal: controller.signal, timeoutMs: 3_600_000 }).catch((e: unknown) => e);
    await waitFor(() => sim.stats().inFlight === 1);
    controller.abort();
    const error = await pending;
    expect((error as Error).name).toBe('AbortError');
  });

  it('sends tools and reads tool calls', async () => {
    const reply = await client.complete({
      ...ask('use the tool'),
      tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] } }],
    });
    expect(reply.toolCalls).toHaveLength(1);
    expect(reply.toolCalls[0].name).toBe('lookup');
    expect(JSON.parse(reply.toolCalls[0].arguments)).toEqual({ key: 'Simulated key: use the tool' });
  });

  it("also runs on undici's WHATWG fetch", async () => {
    const standard = new LlmClient({ baseURL: sim.url, apiKey: 'k', fetch: 'standard' });
    const reports: CallReport[] = [];
    const reply = await standard.complete(ask('standard fetch [[status:500x1]]'), { random: () => 0, hooks: { afterAttempt: (r) => reports.push(r) } });
    expect(reply.content).toContain('standard fetch');
    expect(reports.map((r) => r.status)).toEqual([500, 200]);
    await standard.close();
  });

  it('grows its pool for a bigger batch and keeps working', async () => {
    const c = new LlmClient({ baseURL: sim.url, apiKey: 'k', connections: 2 });
    c.ensureConnections(16);
    expect(c.connections).toBe(16);
    c.ensureConnections(4);
    expect(c.connections).toBe(16);
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => c.complete(ask(`pool ${i}`))));
    expect(replies).toHaveLength(16);
    await c.close();
  });
});

describe('header parsing', () => {
  it('reads retry-after-ms, retry-after seconds and dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({}))).toBeUndefined();
  });

  it('reads OpenAI durations and the x-ratelimit headers', () => {
    expect(parseDurationMs('1s')).toBe(1000);
    expect(parseDurationMs('6m0s')).toBe(360_000);
    expect(parseDurationMs('20ms')).toBe(20);
    expect(parseDurationMs('1h2m3.5s')).toBe(3_723_500);
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(
      parseRateLimitHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '250ms' })),
    ).toEqual({ limitRequests: 600, limitTokens: undefined, remainingRequests: 0, resetRequestsMs: 250, remainingTokens: undefined, resetTokensMs: undefined });
    expect(parseRateLimitHeaders(new Headers({}))).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffMs(1, () => 1)).toBe(500);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(30, () => 1)).toBe(20_000);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});
