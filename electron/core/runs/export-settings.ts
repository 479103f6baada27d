// The settings sheet of an export: what the run was (agent, options, dataset), how far it got and
// what it cost, one labelled value a row.
import { roundUsd } from '../../../shared/money.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { RunRecord } from '../store/runs.ts';
import type { RunInfo } from './service.ts';
import { outputColumnsOf } from './views.ts';

export type SettingValue = string | number | boolean | null;

export function exportSettings(r: RunRecord, d: DatasetRecord, info: RunInfo, now = new Date()): Array<[string, SettingValue]> {
  const t = info.totals;
  return [
    ['Run', info.runId],
    ['Name', r.name],
    ['Status', r.status],
    ['Error', r.error],
    ['Dataset', d.name],
    ['Source file', d.sourcePath],
    ['Agent', r.agent.name],
    ['Model', r.agent.model],
    ['Base URL', r.agent.baseURL ?? null],
    ['System message', r.agent.systemMessage],
    ['Prompt', r.agent.prompt],
    ['Tools', (r.agent.tools ?? []).map((x) => x.name).join(', ') || null],
    ['Output columns', outputColumnsOf(r.agent).join(', ')],
    ['Batch size', r.options.batchSize],
    ['Sequential', r.options.sequential],
    ['Turns', r.options.turns ?? r.agent.turns ?? null],
    ['On error', r.options.onError],
    ['Max cost USD', r.options.maxCost === undefined ? null : roundUsd(r.options.maxCost)],
    ['Max tokens', r.options.maxTokens ?? null],
    ['Requests per minute', r.options.rpm ?? null],
    ['Tokens per minute', r.options.tpm ?? null],
    ['Items', t.items],
    ['Done', t.done],
    ['Failed', t.failed],
    ['Skipped', t.skipped],
    ['Pending', t.pending + t.running],
    ['Prompt tokens', t.promptTokens],
    ['Completion tokens', t.completionTokens],
    ['Cached prompt tokens', t.cachedTokens ?? 0],
    ['Cost USD', roundUsd(t.costUsd)],
    ['Saved by cached input USD', t.cachedSavingUsd === undefined ? null : roundUsd(t.cachedSavingUsd)],
    ['LLM calls', r.callCount],
    ['Response cache', r.options.cache !== false],
    ['Calls answered from the cache', r.cachedCalls],
    ['Saved USD', r.savedUsd],
    ['Created', info.createdAt],
    ['Started', info.startedAt],
    ['Finished', info.finishedAt],
    ['Active seconds', Math.round(r.activeMs / 100) / 10],
    ['Exported', now.toISOString()],
  ];
}
