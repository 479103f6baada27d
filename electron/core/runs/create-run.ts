// Creating a run: the agent and options validated, every prompt rendered from its row (by SQLite: see
// prompt-sql.ts), the items stored pending, all in one transaction.
import { AgentSpecSchema, RunOptionsSchema } from '../../../shared/domain.ts';
import { missingColumns, parseTemplate, TemplateError } from '../../../shared/template.ts';
import { promptColumnsMessage } from '../../../shared/validation.ts';
import { CallError, badInput, conflict } from '../errors.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { insertItemsFromRows } from '../store/items.ts';
import { insertRun } from '../store/runs.ts';
import { zodFields } from './parse.ts';
import { promptSql } from './prompt-sql.ts';
import type { CreateRunParams } from './service.ts';
import { writing } from './write-errors.ts';

/** Returns the new run's id. */
export function createRun(db: Db, dbPath: string, dataset: DatasetRecord, p: CreateRunParams): number {
  if (dataset.state !== 'ready') throw conflict(`Dataset ${p.datasetId} is still importing.`);
  const agentParsed = AgentSpecSchema.safeParse(p.agent);
  const optionsParsed = RunOptionsSchema.safeParse(p.options ?? {});
  if (!agentParsed.success || !optionsParsed.success) {
    const a = agentParsed.success ? { fields: [], details: [] } : zodFields('agent', agentParsed.error);
    const o = optionsParsed.success ? { fields: [], details: [] } : zodFields('options', optionsParsed.error);
    throw new CallError('bad-request', `Invalid run: ${[...a.details, ...o.details].join('; ')}`, [...a.fields, ...o.fields]);
  }
  const agent = agentParsed.data;
  const runOptions = optionsParsed.data;
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
  if (dataset.rowCount === 0) throw badInput(`The dataset "${dataset.name}" has a header but no rows: there is nothing to run.`);
  if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 1)) {
    throw new CallError('bad-request', `limit must be a positive integer, not ${p.limit}.`, ['limit']);
  }
  const count = Math.min(dataset.rowCount, p.limit ?? dataset.rowCount);
  const columns = dataset.columns;
  const create = db.transaction(() => {
    const id = insertRun(db, {
      name: p.name?.trim() || `${agent.name} · ${dataset.name}`,
      datasetId: dataset.id,
      agent,
      options: runOptions,
      ...(p.endpoint ? { endpoint: p.endpoint } : {}),
      itemCount: count,
    });
    insertItemsFromRows(db, id, dataset.id, count, promptSql(agent.prompt, columns));
    return id;
  });
  return writing(dbPath, 'create the run', () => create.immediate());
}
