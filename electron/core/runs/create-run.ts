// Creating a run: the agent and options validated, every prompt rendered from its row (by SQLite: see
// prompt-sql.ts), the items stored pending, all in one transaction.
import { AgentSpecSchema, RunOptionsSchema, type AgentSpec, type RunOptions } from '../../../shared/domain.ts';
import { missingColumns, parseTemplate, TemplateError } from '../../../shared/template.ts';
import { promptColumnsMessage } from '../../../shared/validation.ts';
import { CallError, badInput, conflict } from '../errors.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { insertItemsFromRows, type SqlExpression } from '../store/items.ts';
import { insertRun } from '../store/runs.ts';
import { zodFields } from './parse.ts';
import { promptSql } from './prompt-sql.ts';
import type { CreateRunParams } from './service.ts';
import { writing } from './write-errors.ts';

/** Returns the new run's id. */
export function createRun(db: Db, dbPath: string, dataset: DatasetRecord, p: CreateRunParams): number {
  if (dataset.state !== 'ready') throw conflict(`Dataset ${p.datasetId} is still importing.`);
  const checked = checkRunParams(dataset, p);
  if (dataset.rowCount === 0) throw badInput(`The dataset "${dataset.name}" has a header but no rows: there is nothing to run.`);
  if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 1)) {
    throw new CallError('bad-request', `limit must be a positive integer, not ${p.limit}.`, ['limit']);
  }
  const count = Math.min(dataset.rowCount, p.limit ?? dataset.rowCount);
  const create = db.transaction(() => insertRunWithItems(db, dataset, p, checked, count));
  return writing(dbPath, 'create the run', () => create.immediate());
}

export interface CheckedRun {
  agent: AgentSpec;
  options: RunOptions;
  /** Each item's prompt, rendered by SQLite from its row. */
  prompt: SqlExpression;
}

/** The agent and options validated against the dataset's columns (CallError naming the field otherwise). */
export function checkRunParams(dataset: DatasetRecord, p: CreateRunParams): CheckedRun {
  const agentParsed = AgentSpecSchema.safeParse(p.agent);
  const optionsParsed = RunOptionsSchema.safeParse(p.options ?? {});
  if (!agentParsed.success || !optionsParsed.success) {
    const a = agentParsed.success ? { fields: [], details: [] } : zodFields('agent', agentParsed.error);
    const o = optionsParsed.success ? { fields: [], details: [] } : zodFields('options', optionsParsed.error);
    throw new CallError('bad-request', `Invalid run: ${[...a.details, ...o.details].join('; ')}`, [...a.fields, ...o.fields]);
  }
  const agent = agentParsed.data;
  try {
    parseTemplate(agent.prompt);
  } catch (err) {
    if (err instanceof TemplateError) throw new CallError('bad-input', `The prompt template has an ${err.message}.`, ['agent.prompt']);
    throw err;
  }
  const missing = missingColumns(agent.prompt, dataset.columns);
  if (missing.length > 0) {
    throw new CallError('bad-input', promptColumnsMessage(missing, dataset.columns, `the dataset "${dataset.name}"`), ['agent.prompt']);
  }
  return { agent, options: optionsParsed.data, prompt: promptSql(agent.prompt, dataset.columns) };
}

/** The run and its items for the dataset's rows [0, count), pending. Call inside a transaction. */
export function insertRunWithItems(db: Db, dataset: DatasetRecord, p: CreateRunParams, run: CheckedRun, count: number): number {
  const id = insertRun(db, {
    name: p.name?.trim() || `${run.agent.name} · ${dataset.name}`,
    datasetId: dataset.id,
    agent: run.agent,
    options: run.options,
    ...(p.endpoint ? { endpoint: p.endpoint } : {}),
    itemCount: count,
  });
  insertItemsFromRows(db, id, dataset.id, count, run.prompt);
  return id;
}
