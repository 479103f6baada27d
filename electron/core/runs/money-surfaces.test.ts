// Money on the surfaces a run's totals reach outside the app: the export's Run sheet and the CLI's
// --json, both in whole micro-dollars, with the cached tokens and what they saved.
import { expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema } from '../../../shared/domain.ts';
import { jsonOf } from '../cli/session.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { RunRecord } from '../store/runs.ts';
import { exportSettings } from './export-settings.ts';
import { runTotals } from './totals.ts';
import { runInfoOf } from './views.ts';

const run: RunRecord = {
  id: 7,
  name: 'tickets',
  datasetId: 1,
  agent: AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o', prompt: '{{q}}' }),
  options: RunOptionsSchema.parse({ maxCost: 0.1 + 0.2 }),
  endpoint: null,
  status: 'completed',
  error: null,
  itemCount: 2,
  promptTokens: 4000,
  completionTokens: 20,
  // What a sum of float dollars looks like.
  costUsd: 0.000022349999999999998,
  cachedTokens: 2304,
  callCount: 2,
  cachedCalls: 1,
  // What the response cache saved, read as the store reads it (whole micro-dollars).
  savedUsd: 0.3,
  activeMs: 1500,
  createdAt: 0,
  startedAt: 0,
  finishedAt: 1500,
  owner: null,
  heartbeatAt: null,
  counts: { pending: 0, running: 0, done: 2, failed: 0, skipped: 0 },
};
const dataset: DatasetRecord = { id: 1, name: 'd', sourcePath: null, columns: ['q'], notes: [], delimiter: ',', encoding: 'utf-8', rowCount: 2, state: 'ready', owner: null, createdAt: 0 };

it('totals carry the cached tokens and their saving at the model’s prices', () => {
  // gpt-4o: 2.5 $/M in, 1.25 $/M cached: 2,304 × 1.25 micro-dollars saved.
  expect(runTotals(run)).toMatchObject({ cachedTokens: 2304, cachedSavingUsd: 0.00288 });
  const unpriced = { ...run, agent: { ...run.agent, model: 'my-local-model' } };
  expect(runTotals(unpriced).cachedSavingUsd).toBeUndefined();
});

it('the Run sheet and --json show the cost in whole micro-dollars', () => {
  const info = runInfoOf(run, dataset, false);
  const sheet = new Map(exportSettings(run, dataset, info, new Date(0)));
  expect(sheet.get('Cost USD')).toBe(0.000022);
  expect(sheet.get('Max cost USD')).toBe(0.3);
  expect(sheet.get('Cached prompt tokens')).toBe(2304);
  expect(sheet.get('Saved by cached input USD')).toBe(0.00288);
  const json = JSON.stringify(jsonOf({ info, wallMs: 10 }));
  expect(json).toContain('"cachedTokens":2304,"costUsd":0.000022,"cachedSavingUsd":0.00288,"cachedCalls":1,"savedUsd":0.3,');
});
