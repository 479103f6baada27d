import type { RunTotals } from '../../../shared/contract.ts';
import type { AgentSpec } from '../../../shared/domain.ts';
import { cachedSaving } from '../engine/pricing.ts';
import type { RunRecord } from '../store/runs.ts';

export function runTotals(run: RunRecord): RunTotals {
  return {
    items: run.itemCount,
    pending: run.counts.pending,
    running: run.counts.running,
    done: run.counts.done,
    failed: run.counts.failed,
    skipped: run.counts.skipped,
    promptTokens: run.promptTokens,
    completionTokens: run.completionTokens,
    costUsd: run.costUsd,
    cachedCalls: run.cachedCalls,
    savedUsd: run.savedUsd,
    ...cachedPart(run.agent, run.cachedTokens),
  };
}

/** The cached tokens of a run's totals and what they saved at its model's prices. */
export function cachedPart(agent: AgentSpec, cachedTokens: number): Pick<RunTotals, 'cachedTokens' | 'cachedSavingUsd'> {
  const saving = cachedSaving(agent, cachedTokens);
  return saving === undefined ? { cachedTokens } : { cachedTokens, cachedSavingUsd: saving };
}

/** The run's remaining budgets, given what it has spent over every session (undefined = no limit). */
export function remainingBudget(run: RunRecord): { maxCost?: number; maxTokens?: number } {
  const out: { maxCost?: number; maxTokens?: number } = {};
  if (run.options.maxCost !== undefined) out.maxCost = run.options.maxCost - run.costUsd;
  if (run.options.maxTokens !== undefined) out.maxTokens = run.options.maxTokens - (run.promptTokens + run.completionTokens);
  return out;
}
