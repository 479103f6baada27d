// Prompts that fit: a 5 MB cell is counted from samples and its row named before the run, the run
// fails that row unsent with the same reason, and a cacheable prefix is priced at the cached rate.
import { describe, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { contextWindowOf, textTokens } from '../engine/context-window.ts';
import { costOf, lookupPrice } from '../engine/pricing.ts';
import { startSpecBatch } from '../engine/spec-batch.ts';
import { simulatorForFile } from '../engine/testing.ts';
import { countTokens, estimateRun } from './index.ts';

const bench = simulatorForFile(5);

async function* pagesOf(rows: string[][], size = 1000) {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** 5 MB of ordinary text in one cell. */
const HUGE = 'The customer wrote at length about the delivery, the box and the colour of the lid. '.repeat(61_000);

describe('prompts that fit', () => {
  it('counts a huge text from samples, close to the whole count', () => {
    const text = HUGE.slice(0, 150_000);
    const sampled = textTokens(text);
    expect(sampled.exact).toBe(false);
    const whole = countTokens(text);
    expect(Math.abs(sampled.tokens - whole) / whole).toBeLessThan(0.03);
    expect(textTokens('short')).toEqual({ tokens: countTokens('short'), exact: true });
  });

  it('names the rows whose prompt exceeds the model’s context window, a 5 MB cell among them', async () => {
    expect(HUGE.length).toBeGreaterThan(5_000_000);
    const agent = AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o-mini', prompt: 'Summarise: {{text}}' });
    const rows = [['fine'], [HUGE], ['also fine'], [HUGE.slice(0, 600_000)]];
    const est = await estimateRun({ agent, columns: ['text'], pages: pagesOf(rows) });
    expect(est.sampled).toBe(true);
    expect(est.tooLong).toMatchObject({ count: 2, rows: [2, 4], contextWindow: 128_000 });
    expect(est.tooLong!.longest).toBeGreaterThan(1_000_000);
    expect(est.promptTokens).toBeGreaterThan(1_000_000);
  });

  it('takes the agent’s contextWindow for a model not in the table, and checks nothing without one', async () => {
    const rows = [['a few words here'], ['x']];
    const unknown = AgentSpecSchema.parse({ name: 'a', model: 'my-local-model', prompt: '{{t}}' });
    expect(contextWindowOf('my-local-model')).toBeNull();
    expect((await estimateRun({ agent: unknown, columns: ['t'], pages: pagesOf(rows) })).tooLong).toBeNull();
    const small = AgentSpecSchema.parse({ name: 'a', model: 'my-local-model', prompt: '{{t}}', contextWindow: 4100, maxTokensPerCall: 4096 });
    expect((await estimateRun({ agent: small, columns: ['t'], pages: pagesOf(rows) })).tooLong).toMatchObject({ count: 2, rows: [1, 2], contextWindow: 4100 });
  });

  it('prices the cached prefix of every row after the first at the cached-input rate', async () => {
    const systemMessage = 'You sort customer messages into one of the agreed categories. '.repeat(100);
    const agent = AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o-mini', systemMessage, prompt: '{{t}}' });
    const rows = Array.from({ length: 10 }, (_, i) => [`message ${i}`]);
    const est = await estimateRun({ agent, columns: ['t'], pages: pagesOf(rows) });
    const perRow = est.cachedTokens! / 9;
    expect(perRow % 128).toBe(0);
    expect(perRow).toBeGreaterThanOrEqual(1024);
    expect(perRow).toBeLessThanOrEqual(est.promptTokens / 10);
    const pricing = lookupPrice('gpt-4o-mini').pricing;
    expect(est.costUsd).toBe(costOf({ promptTokens: est.promptTokens, completionTokens: est.completionTokens, cachedTokens: est.cachedTokens }, pricing));
    expect(est.costUsd!).toBeLessThan(costOf({ promptTokens: est.promptTokens, completionTokens: est.completionTokens }, pricing));
  });

  it('fails the row that does not fit before sending it, naming the window; the other rows run', async () => {
    const spec = AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o-mini', baseURL: bench.sim.url, prompt: '{{text}}' });
    const items = [{ index: 0, prompt: 'short one' }, { index: 1, prompt: HUGE }, { index: 2, prompt: 'short two' }];
    const events: BatchEvent[] = [];
    const handle = startSpecBatch({ spec, items, options: RunOptionsSchema.parse({ batchSize: 3 }), apiKey: 'sk-test', onEvent: (e) => events.push(e) });
    expect((await handle.done).status).toBe('completed');
    const failed = events.filter((e): e is Extract<BatchEvent, { type: 'item-failed' }> => e.type === 'item-failed');
    expect(failed.map((f) => f.index)).toEqual([1]);
    expect(failed[0].error).toMatch(/^the prompt is about [\d,]+ tokens, which with 16,384 for the answer is more than gpt-4o-mini's context window of 128,000 tokens, so it was not sent/);
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(2);
    expect(bench.sim.stats().requests).toBe(2);
    expect(events.some((e) => e.type === 'llm-call' && e.index === 1)).toBe(false);
  });
});
