// Store records as the contract's shapes: a run's summary, an item's row.
import type { ItemRow } from '../../../shared/contract.ts';
import type { AgentSpec } from '../../../shared/domain.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { ItemRecord } from '../store/items.ts';
import type { RunRecord } from '../store/runs.ts';
import { isoOrNull } from '../store/sql.ts';
import type { RunInfo } from './service.ts';
import { runTotals } from './totals.ts';

/** The agent's output fields, or the one 'result' column of a free-text answer. */
export function outputColumnsOf(agent: AgentSpec): string[] {
  return agent.output && Object.keys(agent.output).length > 0 ? Object.keys(agent.output) : ['result'];
}

export function runInfoOf(r: RunRecord, d: DatasetRecord, active: boolean): RunInfo {
  return {
    runId: String(r.id),
    name: r.name,
    datasetId: String(r.datasetId),
    datasetName: d.name,
    status: r.status,
    error: r.error,
    agent: r.agent,
    options: r.options,
    endpoint: r.endpoint,
    inputColumns: d.columns,
    outputColumns: outputColumnsOf(r.agent),
    totals: runTotals(r),
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: isoOrNull(r.startedAt),
    finishedAt: isoOrNull(r.finishedAt),
    activeMs: r.activeMs,
    calls: r.callCount,
    active,
  };
}

export function itemRowOf(i: ItemRecord): ItemRow {
  return {
    index: i.index,
    input: i.input,
    output: i.output,
    status: i.status,
    error: i.error,
    turns: i.turns,
    promptTokens: i.promptTokens,
    completionTokens: i.completionTokens,
    costUsd: i.costUsd,
    latencyMs: i.latencyMs,
    cachedTokens: i.cachedTokens ?? 0,
  };
}
