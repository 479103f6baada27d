// The test server reports cached prompt tokens as OpenAI does, read through the real SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmClient, type ChatRequest } from '../engine/llm.ts';
import { until } from '../testing/until.ts';
import { startSimulator, type Simulator } from './index.ts';

let sim: Simulator;
let client: LlmClient;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 30 });
  client = new LlmClient({ baseURL: sim.url, apiKey: 'sk-test' });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});

const request = (system: string, user: string, model = 'gpt-4o-mini'): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ],
});

async function cached(r: ChatRequest): Promise<{ cached: number; prompt: number }> {
  const reply = await client.complete(r, { maxRetries: 0 });
  return { cached: reply.cachedTokens ?? 0, prompt: reply.promptTokens };
}

describe('cached prompt tokens', () => {
  const system = 'Answer in one word. '.repeat(300); // 6,000 characters: 1,500 of the simulator's tokens

  it('are none for a prefix not answered before, then the shared prefix in steps of 128 from 1,024', async () => {
    // A prefix is cached once its request is answered: one still in flight warms nothing.
    const stop = new AbortController();
    const hung = client.complete(request(system, '[[hang]] first'), { maxRetries: 0, signal: stop.signal }).catch(() => 'aborted');
    await until(() => sim.stats().inFlight === 1);
    const b = await cached(request(system, 'second'));
    stop.abort();
    expect(await hung).toBe('aborted');
    expect(b.cached).toBe(0);
    const c = await cached(request(system, 'third'));
    expect(c.cached).toBeGreaterThanOrEqual(1024);
    expect(c.cached % 128).toBe(0);
    // The shared part is the system message and the user turn's start; the rest is not cached.
    expect(c.cached).toBeLessThanOrEqual(Math.ceil(system.length / 4) + 1);
    expect(c.cached).toBeGreaterThan(Math.ceil(system.length / 4) - 128);
  });

  it('are none for a short prompt, another model, or a prefix that differs early', async () => {
    const short = 'Be brief. '.repeat(300).slice(0, 3000); // 750 tokens
    await cached(request(short, 'a'));
    expect((await cached(request(short, 'b'))).cached).toBe(0);
    expect((await cached(request(system, 'x', 'gpt-4o'))).cached).toBe(0);
    expect((await cached(request(`Z${system}`, 'y'))).cached).toBe(0);
    expect(sim.stats().cachedTokens).toBeGreaterThan(0);
  });
});
