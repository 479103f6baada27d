// What sits above the compared rows: each run's totals (with its median latency) and how the agents differ.
import type { AgentDifference, ComparedRun } from '../../../shared/compare.ts';
import type { AgentSpec } from '../../../shared/domain.ts';
import type { Db } from '../store/db.ts';
import { stmt } from '../store/sql.ts';
import type { ComparedRunRecord } from './compared-runs.ts';

/**
 * The median latency of a run's finished attempts, read from the (run_id, latency_ms) index: a count
 * and one or two rows at the middle, so a run of a million items costs no sort.
 */
export function medianLatency(db: Db, runId: number): number | null {
  const n = stmt<[number], number>(db, `SELECT COUNT(*) FROM items WHERE run_id = ? AND latency_ms IS NOT NULL`).pluck().get(runId)!;
  if (n === 0) return null;
  const at = stmt<[number, number, number], number>(
    db,
    `SELECT latency_ms FROM items WHERE run_id = ? AND latency_ms IS NOT NULL ORDER BY latency_ms LIMIT ? OFFSET ?`,
  )
    .pluck()
    .all(runId, n % 2 ? 1 : 2, Math.floor((n - 1) / 2));
  return at.reduce((a, b) => a + b, 0) / at.length;
}

export function comparedRunOf(db: Db, r: ComparedRunRecord): ComparedRun {
  const run = r.run;
  return {
    runId: String(run.id),
    name: run.name,
    datasetName: r.dataset.name,
    model: run.agent.model,
    outputColumns: r.outputColumns,
    totals: {
      items: run.itemCount,
      done: run.counts.done,
      failed: run.counts.failed,
      costUsd: run.costUsd,
      promptTokens: run.promptTokens,
      completionTokens: run.completionTokens,
      medianLatencyMs: medianLatency(db, run.id),
    },
  };
}

/** The output fields as one line: "column ← source" each, in the agent's order. */
function fieldsOf(agent: AgentSpec): string {
  const output = agent.output ?? {};
  const names = Object.keys(output);
  return names.length ? names.map((n) => `${n} ← ${output[n]}`).join(', ') : 'result ← content';
}

const ASPECTS: Array<[AgentDifference['field'], (a: AgentSpec) => string]> = [
  ['model', (a) => a.model],
  ['systemMessage', (a) => a.systemMessage],
  ['prompt', (a) => a.prompt],
  ['fields', fieldsOf],
];

/** The aspects of the agents that are not the same in every run, each run's value in run order. */
export function agentDifferences(agents: readonly AgentSpec[]): AgentDifference[] {
  const out: AgentDifference[] = [];
  for (const [field, valueOf] of ASPECTS) {
    const values = agents.map(valueOf);
    if (values.some((v) => v !== values[0])) out.push({ field, values });
  }
  return out;
}
