// Budgets through the whole call path at a wide window: the library and the rowrunner command, each
// against the test server over HTTP. The server's own count of the tokens it billed is the truth.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { lastJson, runCli } from '../cli/test-helpers.ts';
import { BudgetExceededError, runBatchTasks, type EngineEvent } from './batch.ts';
import { startSpecBatch } from './spec-batch.ts';
import { Task, type TaskResult } from './task.ts';
import { answerTool, simulatorForFile } from './testing.ts';

const bench = simulatorForFile(20);
const { agent } = bench;

// $1 per thousand tokens, so that a budget of a few dollars covers a few dozen calls.
const pricing = { inputPerMTok: 1000, outputPerMTok: 1000 };
// Long enough that every answer is cut at the output cap: each call spends its whole worst-case output.
const items = Array.from({ length: 300 }, (_, i) => `Item ${i}: summarise the history of the town of Nowhere-${i} in three sentences, please.`);

function tally(events: EngineEvent<unknown>[]) {
  const count = (type: string) => events.filter((e) => e.type === type).length;
  const calls = events.filter((e) => e.type === 'llm-call') as Array<Extract<EngineEvent, { type: 'llm-call' }>>;
  return {
    done: count('item-done'),
    failed: count('item-failed'),
    skipped: count('item-skipped'),
    tokens: calls.reduce((n, c) => n + c.promptTokens + c.completionTokens, 0),
    costUsd: calls.reduce((n, c) => n + c.costUsd, 0),
    finished: events.at(-1),
  };
}

describe('a budget at batch size 64', () => {
  it('maxCost is never exceeded, in text answers or tool calls', async () => {
    // Text cut at its cap; tool calls whole (a cut one would not parse).
    for (const { tools, cap } of [{ tools: [], cap: 16 }, { tools: [answerTool], cap: 200 }]) {
      bench.sim.resetStats();
      const task = new Task(agent({ pricing, maxTokensPerCall: cap, tools }));
      const events: EngineEvent<TaskResult | null>[] = [];
      const maxCost = 2;
      await runBatchTasks(task, items, { batchSize: 64, maxCost, handleExceptions: 'return-exception', onEvent: (e) => events.push(e) });
      const t = tally(events);
      expect(t.finished).toMatchObject({ type: 'finished', status: 'stopped-budget' });
      expect(t.done).toBeGreaterThan(0);
      expect(t.failed).toBe(0);
      expect(t.done + t.skipped).toBe(items.length);
      const billed = bench.sim.stats();
      if (tools.length === 0) expect(billed.completionTokens).toBe(cap * billed.requests);
      expect(((billed.promptTokens + billed.completionTokens) * 1000) / 1e6).toBeLessThanOrEqual(maxCost);
      expect(t.costUsd).toBeLessThanOrEqual(maxCost);
    }
  });

  it('maxTokens is never exceeded, and a call that does not fit leaves its item skipped (budget)', async () => {
    const task = new Task(agent({ maxTokensPerCall: 16 }));
    const events: EngineEvent<TaskResult | null>[] = [];
    const maxTokens = 3000;
    const results = await runBatchTasks(task, items, { batchSize: 64, maxTokens, handleExceptions: 'return-exception', onEvent: (e) => events.push(e) });
    const t = tally(events);
    expect(t.finished).toMatchObject({ type: 'finished', status: 'stopped-budget' });
    expect(t.done).toBeGreaterThan(0);
    expect(t.done + t.skipped).toBe(items.length);
    const billed = bench.sim.stats();
    expect(billed.promptTokens + billed.completionTokens).toBeLessThanOrEqual(maxTokens);
    expect(t.tokens).toBeLessThanOrEqual(maxTokens);
    // A budget stop is not an item exception: the items it left have no result, and the stop says why.
    expect(results.filter((r) => r === null)).toHaveLength(t.skipped);
    expect(results.stopped?.reason).toBe('budget');
  });

  it('refuses a cost budget for a model without a price before anything is sent', async () => {
    const task = new Task(agent({ model: 'local-llama', maxTokensPerCall: 16 }));
    const error = await runBatchTasks(task, items.slice(0, 5), { batchSize: 64, maxCost: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as Error).message).toMatch(/"local-llama" has no known price.*"pricing".*inputPerMTok.*outputPerMTok/);
    expect(bench.sim.stats().requests).toBe(0);
  });
});

describe('a cost budget for an unpriced model in a spec-driven run', () => {
  it('ends the run before anything is sent, naming the model and the pricing fields', async () => {
    const events: BatchEvent[] = [];
    const handle = startSpecBatch({
      spec: AgentSpecSchema.parse({ name: 'qa', model: 'local-llama', baseURL: bench.sim.url, prompt: '{{q}}' }),
      items: [{ index: 0, prompt: 'hello' }],
      options: RunOptionsSchema.parse({ maxCost: 1 }),
      apiKey: 'sk-test',
      onEvent: (e) => events.push(e),
    });
    const finished = await handle.done;
    expect(finished.status).toBe('stopped-error');
    expect(finished.error).toMatch(/"local-llama" has no known price.*inputPerMTok/);
    expect(events.filter((e) => e.type === 'item-skipped')).toHaveLength(1);
    expect(bench.sim.stats().requests).toBe(0);
  });
});

describe('a budget in a CLI run at batch size 64', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-budget-'));
    return () => fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--max-cost is never exceeded; a resume with more budget runs the rest', { timeout: 180_000 }, async () => {
    const csv = path.join(dir, 'items.csv');
    fs.writeFileSync(csv, ['question', ...items.slice(0, 200)].join('\n') + '\n');
    const agentFile = path.join(dir, 'agent.json');
    fs.writeFileSync(agentFile, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}', pricing, maxTokensPerCall: 16 }));
    const env = { OPENAI_BASE_URL: bench.sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
    const res = await runCli(['run', csv, '--agent', agentFile, '--max-cost', '2', '--batch-size', '64', '--json'], env);
    expect(res.code, res.stderr).toBe(3);
    const stopped = lastJson(res.stdout);
    expect(stopped).toMatchObject({ status: 'stopped-budget', failed: 0 });
    expect(stopped.done).toBeGreaterThan(0);
    expect(stopped.costUsd).toBeLessThanOrEqual(2);
    const billed = bench.sim.stats();
    expect(((billed.promptTokens + billed.completionTokens) * 1000) / 1e6).toBeLessThanOrEqual(2);
    // A cent more runs a call or none, not the rest: stopped again, the budget printed as given, without float noise.
    const little = await runCli(['resume', String(stopped.runId), '--max-cost', '2.01', '--json'], env);
    expect(little.code, little.stderr).toBe(3);
    expect(lastJson(little.stdout)).toMatchObject({ status: 'stopped-budget', error: 'budget reached (max cost $2.01); resume with a higher budget to run the rest' });
    expect(lastJson(little.stdout).costUsd).toBeLessThanOrEqual(2.01);
    const raised = await runCli(['resume', String(stopped.runId), '--max-cost', '100', '--json'], env);
    expect(raised.code, raised.stderr).toBe(0);
    expect(lastJson(raised.stdout)).toMatchObject({ status: 'completed', done: 200 });
  });
});
