// Prompt caching through the real SDK: every request of a run keeps one byte-identical prefix, the
// test server reports cached tokens as OpenAI does, and they are priced at the cached-input rate.
import { describe, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type AgentSpecInput, type BatchEvent } from '../../../shared/domain.ts';
import { Budget, budgetGate, costMicros } from './budget.ts';
import { BUILT_IN_PRICES, costOf, lookupPrice } from './pricing.ts';
import { cacheablePrefix } from './prompt-prefix.ts';
import { startSpecBatch } from './spec-batch.ts';
import { simulatorForFile } from './testing.ts';

const bench = simulatorForFile(20);

/** A system message of about 1,500 of the simulator's tokens: long enough to be cached. */
const LONG_SYSTEM = 'You classify support tickets by their topic and urgency. '.repeat(110);

const spec = (extra: Partial<AgentSpecInput> = {}) =>
  AgentSpecSchema.parse({
    name: 'tickets',
    model: 'gpt-4o-mini',
    baseURL: bench.sim.url,
    systemMessage: 'Classify the ticket.',
    prompt: 'Ticket: {{text}}',
    tools: [{ name: 'classify', description: 'The class', parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] } }],
    doneIfTool: true,
    output: { topic: 'topic' },
    ...extra,
  });

async function run(agent: ReturnType<typeof spec>, texts: string[], batchSize: number): Promise<BatchEvent[]> {
  const events: BatchEvent[] = [];
  const items = texts.map((text, index) => ({ index, prompt: `Ticket: ${text}` }));
  const handle = startSpecBatch({ spec: agent, items, options: RunOptionsSchema.parse({ batchSize }), apiKey: 'sk-test', onEvent: (e) => events.push(e) });
  const finished = await handle.done;
  expect(finished.status).toBe('completed');
  return events;
}

const calls = (events: BatchEvent[]) => events.filter((e): e is Extract<BatchEvent, { type: 'llm-call' }> => e.type === 'llm-call');

describe('prompt caching', () => {
  it('sends every row with the same bytes up to its data: model, tools, cap, system message, then the row', async () => {
    const bodies: string[] = [];
    bench.sim.setOptions({ onChatBody: (raw) => bodies.push(raw) });
    try {
      await run(spec(), ['printer on fire', 'password reset please'], 1);
    } finally {
      bench.sim.setOptions({ onChatBody: undefined });
    }
    expect(bodies).toHaveLength(2);
    const [a, b] = bodies;
    const at = a.indexOf('printer on fire');
    expect(at).toBeGreaterThan(0);
    expect(b.indexOf('password reset please')).toBe(at);
    expect(b.slice(0, at)).toBe(a.slice(0, at));
    // Everything before the row is the run's: its system message and the template's text are in it.
    expect(a.slice(0, at)).toContain('Classify the ticket.');
    expect(a.slice(0, at).endsWith('Ticket: ')).toBe(true);
    const keys = Object.keys(JSON.parse(a) as object);
    expect(keys.slice(0, 2)).toEqual(['model', 'tools']);
    expect(keys.at(-1)).toBe('messages');
  });

  it('runs the first row alone when the prefix can be cached, so the other rows find it cached and pay the cached rate', async () => {
    const agent = spec({ systemMessage: LONG_SYSTEM });
    expect(cacheablePrefix(agent)).toBe(true);
    const events = await run(agent, ['one', 'two', 'three', 'four', 'five'], 4);
    const first = events.findIndex((e) => e.type === 'llm-call');
    // No other row started before the first row's call was answered.
    expect(events.slice(0, first).filter((e) => e.type === 'item-started')).toHaveLength(1);
    const byRow = calls(events).sort((x, y) => x.index - y.index);
    expect(byRow.map((c) => c.cachedTokens === 0)).toEqual([true, false, false, false, false]);
    const price = lookupPrice('gpt-4o-mini').pricing;
    for (const c of byRow.slice(1)) {
      expect(c.cachedTokens).toBeGreaterThanOrEqual(1024);
      expect(c.cachedTokens! % 128).toBe(0);
      expect(c.cachedTokens).toBeLessThanOrEqual(c.promptTokens);
      expect(c.costUsd).toBe(costOf({ promptTokens: c.promptTokens, completionTokens: c.completionTokens, cachedTokens: c.cachedTokens }, price));
      expect(c.costUsd).toBeLessThan(costOf({ promptTokens: c.promptTokens, completionTokens: c.completionTokens }, price));
    }
    const done = events.filter((e): e is Extract<BatchEvent, { type: 'item-done' }> => e.type === 'item-done');
    expect(done.find((d) => d.index === 1)?.cachedTokens).toBe(byRow[1].cachedTokens);
    const last = events.filter((e): e is Extract<BatchEvent, { type: 'progress' }> => e.type === 'progress').at(-1);
    expect(last?.cachedTokens).toBe(byRow.reduce((s, c) => s + (c.cachedTokens ?? 0), 0));
    expect(bench.sim.stats().cachedTokens).toBe(last?.cachedTokens);
  });

  it('opens the window at once when the prefix is too short to be cached', async () => {
    const events = await run(spec(), ['one', 'two', 'three'], 3);
    const first = events.findIndex((e) => e.type === 'llm-call');
    expect(events.slice(0, first).filter((e) => e.type === 'item-started')).toHaveLength(3);
  });

  it('reserves a call uncached and settles it at the cached price', () => {
    const pricing = BUILT_IN_PRICES['gpt-4o'];
    const budget = new Budget({ maxCost: 1 });
    const gate = budgetGate(budget, () => lookupPrice('gpt-4o'));
    const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'x'.repeat(8000) }], maxTokens: 10 };
    expect(gate.before(request, undefined)).toBeUndefined();
    const held = budget.reserved.micros;
    expect(held).toBeGreaterThanOrEqual(costMicros({ promptTokens: 1000, completionTokens: 10 }, pricing));
    const usage = { promptTokens: 2000, completionTokens: 10, cachedTokens: 1920 };
    gate.after(usage);
    expect(budget.reserved.micros).toBe(0);
    // 80 × 2.5 + 1,920 × 1.25 + 10 × 10 micro-dollars.
    expect(budget.spent.micros).toBe(200 + 2400 + 100);
    expect(budget.spent.micros).toBe(costMicros(usage, pricing));
  });
});
