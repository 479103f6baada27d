// rowrunner rerun RUN_ID --rows 3,7-9: run chosen rows again in the same run. Rows are numbered as
// Results and exports show them (1 = the CSV's first data row); each row's earlier attempt is kept in
// its history. The run continues on the endpoint it recorded unless --endpoint names another. A row whose
// request is unchanged is answered from the response cache; --no-cache sends it again.
import fs from 'node:fs';
import { parseRowsSpec } from '../../../../shared/attempts.ts';
import { CallError } from '../../errors.ts';
import type { RunInfo, RunService } from '../../runs/service.ts';
import { checkOut, parse, runIdArg, str, type Options, type Values } from '../args.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { dbPathOf, withService } from '../open-service.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { continuingBudgets, continuingStart, RESUME_OPTIONS } from './continue.ts';
import { help } from './help.ts';

const RERUN_OPTIONS: Options = { ...RESUME_OPTIONS, rows: { type: 'string' }, 'no-cache': { type: 'boolean' } };

/** The run named by RUN_ID, or a UsageError that names it; a database that does not exist is not made. */
export function namedRun(svc: RunService, runId: string, what: string): RunInfo {
  try {
    return svc.getRun(runId);
  } catch (err) {
    if (err instanceof CallError && err.code === 'not-found') throw new UsageError(`${what} ${runId}: no run with that id (see \`rowrunner runs\`)`);
    throw err;
  }
}

/** Refuses a database file that does not exist: it holds no run, and nothing should be made for a typo. */
export function checkDbHoldsRuns(v: Values, env: CliIo['env'], what: string, runId: string): void {
  const db = dbPathOf(v, env);
  if (!fs.existsSync(db)) throw new UsageError(`${what} ${runId}: no run with that id (the database ${db} does not exist)`);
}

export async function rerunCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('rerun', args, RERUN_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  const runId = runIdArg('rerun', positionals);
  const spec = str(v, 'rows');
  if (spec === undefined) throw new UsageError('rerun: which rows? Give --rows, such as --rows 3,7-9 (numbered as in Results and exports, from 1)');
  const out = checkOut(str(v, 'out'));
  const budgets = continuingBudgets(v);
  checkDbHoldsRuns(v, io.env, 'RUN_ID', runId);
  return withService(v, io.env, async (svc) => {
    const before = namedRun(svc, runId, 'RUN_ID');
    let rows: number[];
    try {
      rows = parseRowsSpec(spec, before.totals.items);
    } catch (err) {
      throw new UsageError(`--rows ${spec}: ${(err as Error).message}`);
    }
    const start = continuingStart(svc, before, v, io, budgets);
    const stops = watchStops(io);
    try {
      svc.rerunRows(runId, { rows }, { ...start, ...(v['no-cache'] === true ? { noCache: true } : {}) });
      io.stderr.write(`Run ${runId}: running ${rows.length.toLocaleString('en-US')} row${rows.length === 1 ? '' : 's'} again (${spec}) on ${start.baseURL}\n`);
      return await followToEnd(svc, runId, io, { started, out, json: v.json === true, stops });
    } finally {
      stops.close();
    }
  }, out, 'run');
}
