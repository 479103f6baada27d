// The budget promise as the fronts see it, through the contract's handlers with real SQLite, run
// workers and the simulated endpoint: an unkept cost budget refused before anything is created, and
// run:estimate's budget problems agreeing with what the engine then does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEstimate, RunSummary } from '../../../shared/contract.ts';
import { createCore, type Core } from '../core.ts';
import { createMemoryKeyStore } from '../keys/index.ts';
import { callError } from '../testing/call-error.ts';

let dir: string;
let core: Core;
const simulated = { kind: 'simulated' } as const;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-budget-check-'));
  core = createCore({ dataDir: dir, front: 'electron', keyStore: createMemoryKeyStore({}), simulator: { latencyMs: 0 } });
});

afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});


async function dataset(name: string, rows: string[]): Promise<string> {
  const csv = path.join(dir, name);
  writeFileSync(csv, `q\n${rows.join('\n')}\n`);
  return ((await core.dispatch('dataset:import', { source: { kind: 'path', path: csv } })) as { id: string }).id;
}

const runCount = async () => ((await core.dispatch('runs:list', {})) as RunSummary[]).length;
const estimate = (req: object) => core.dispatch('run:estimate', { endpoint: simulated, ...req }) as Promise<RunEstimate>;

describe('budget checks before a run', () => {
  it('refuses a cost budget for an unpriced model on run:start, names the model and the pricing fields, and creates nothing', async () => {
    const datasetId = await dataset('unpriced.csv', ['a', 'b']);
    const agent = { name: 'u', model: 'llama3.1:8b', prompt: '{{q}}' };
    const before = await runCount();
    const refused = await callError(core.dispatch('run:start', { datasetId, agent, options: { maxCost: 2 }, endpoint: simulated }));
    expect(refused.code).toBe('bad-input');
    expect(refused.message).toMatch(/"llama3\.1:8b" has no known price.*\$2.*inputPerMTok.*outputPerMTok/);
    expect(await runCount()).toBe(before);

    const est = await estimate({ datasetId, agent, options: { maxCost: 2 } });
    expect(est.budgetProblems).toEqual([
      expect.objectContaining({ kind: 'unpriced-model', field: 'maxCost', blocksStart: true, message: expect.stringMatching(/"llama3\.1:8b".*pricing\.inputPerMTok and pricing\.outputPerMTok.*Price in and Price out under Advanced on the Agent screen/) }),
    ]);

    // a token budget needs no price; a priced agent keeps its cost budget
    expect((await estimate({ datasetId, agent, options: { maxTokens: 100_000 } })).budgetProblems).toEqual([]);
    const priced = { ...agent, pricing: { inputPerMTok: 1, outputPerMTok: 2 } };
    expect((await estimate({ datasetId, agent: priced, options: { maxCost: 2 } })).budgetProblems).toEqual([]);
    const { runId } = (await core.dispatch('run:start', { datasetId, agent: priced, options: { maxCost: 2 }, endpoint: simulated })) as { runId: string };
    expect((await core.runs.finished(runId)).totals.done).toBe(2);
  });

  it('refuses run:continue with a new cost budget for an unpriced model, and leaves the run as it was', async () => {
    const datasetId = await dataset('continue.csv', Array.from({ length: 6 }, (_, i) => `q${i} [[sleep:200]]`));
    const agent = { name: 'c', model: 'local-model', prompt: '{{q}}' };
    const { runId } = (await core.dispatch('run:start', { datasetId, agent, options: { batchSize: 1 }, endpoint: simulated })) as { runId: string };
    await core.dispatch('run:cancel', { runId });
    const cancelled = (await core.dispatch('run:get', { runId })) as RunSummary;
    expect(cancelled.status).toBe('cancelled');

    const refused = await callError(core.dispatch('run:continue', { runId, maxCost: 1 }));
    expect(refused.code).toBe('bad-input');
    expect(refused.message).toMatch(/"local-model" has no known price/);
    expect(((await core.dispatch('run:get', { runId })) as RunSummary).status).toBe('cancelled');

    await core.dispatch('run:continue', { runId });
    expect((await core.runs.finished(runId)).totals.done).toBe(6);
  });

  it('says when a budget is smaller than one call’s worst case, and such a run indeed runs no row', async () => {
    const datasetId = await dataset('tiny-budget.csv', ['short', 'a somewhat longer question than the first one']);
    const agent = { name: 't', model: 'gpt-4o-mini', prompt: '{{q}}' };
    const est = await estimate({ datasetId, agent, options: { maxCost: 0.0002 } });
    // 16,384 output tokens at $0.60 per million is $0.00983 before the prompt
    expect(est.budgetProblems).toEqual([
      expect.objectContaining({ kind: 'budget-under-one-call', field: 'maxCost', blocksStart: false, message: expect.stringMatching(/\(\$0\.0002\) is smaller than one call's worst case \(\$0\.0098\d*\).*maxTokensPerCall/) }),
    ]);
    const { runId } = (await core.dispatch('run:start', { datasetId, agent, options: { maxCost: 0.0002 }, endpoint: simulated })) as { runId: string };
    const ended = await core.runs.finished(runId);
    expect(ended.status).toBe('stopped-budget');
    expect(ended.totals.done + ended.totals.failed).toBe(0);

    // with a small output cap the same budget fits many calls
    const capped = { ...agent, maxTokensPerCall: 50 };
    expect((await estimate({ datasetId, agent: capped, options: { maxCost: 0.0002 } })).budgetProblems).toEqual([]);
    const tokens = await estimate({ datasetId, agent, options: { maxTokens: 1000 } });
    expect(tokens.budgetProblems).toEqual([expect.objectContaining({ kind: 'budget-under-one-call', field: 'maxTokens', message: expect.stringMatching(/1,000 tokens.*16,\d{3} tokens/) })]);
  });

  it('warns, without refusing, when the estimate is over the budget', async () => {
    const datasetId = await dataset('over.csv', Array.from({ length: 40 }, (_, i) => `question number ${i}`));
    const agent = { name: 'o', model: 'gpt-4o-mini', prompt: '{{q}}', maxTokensPerCall: 20 };
    const whole = await estimate({ datasetId, agent, options: {} });
    expect(whole.budgetProblems).toEqual([]);
    const maxCost = (whole.costUsd ?? 0) / 4;
    const maxTokens = Math.ceil((whole.promptTokens + whole.completionTokens) / 4);
    const est = await estimate({ datasetId, agent, options: { maxCost, maxTokens } });
    expect(est.budgetProblems.map((p) => [p.kind, p.field, p.blocksStart])).toEqual([
      ['estimate-over-budget', 'maxCost', false],
      ['estimate-over-budget', 'maxTokens', false],
    ]);
    expect(est.budgetProblems[0].message).toMatch(/The estimate \(≈ \$0\.\d+\) is over the budget of \$0\.\d+/);

    const { runId } = (await core.dispatch('run:start', { datasetId, agent, options: { maxCost, maxTokens }, endpoint: simulated })) as { runId: string };
    const ended = await core.runs.finished(runId);
    expect(ended.status).toBe('stopped-budget');
    expect(ended.totals.done).toBeLessThan(40);
  });
});
