// rowrunner run ITEMS.csv --agent AGENT.json: import the CSV (or a workbook's sheet), create a run, run it to its end.
import fs from 'node:fs';
import path from 'node:path';
import { missingColumns, TemplateError, templateColumns } from '../../../../shared/template.ts';
import { promptColumnsMessage } from '../../../../shared/validation.ts';
import { budgetProblem } from '../../engine/pricing.ts';
import { CsvImportError } from '../../io/csv/index.ts';
import { readTableHeader } from '../../io/read-table.ts';
import { loadAgentFile } from '../agent-file.ts';
import { checkOut, COMMON, parse, str, type Options } from '../args.ts';
import { checkInto, checkIntoRows } from '../into.ts';
import { importAndCreateRun } from '../create-run.ts';
import { baseURLOf, connectionFor } from '../endpoint.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { RUN_FLAG_OPTIONS, runOptionsFromFlags } from '../run-flags.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { help } from './help.ts';
import { count } from '../../../../shared/plural.ts';
import { runFromCommand } from './run-from.ts';
import { runAsRead } from '../run-as-read.ts';

const RUN_OPTIONS: Options = {
  ...COMMON,
  ...RUN_FLAG_OPTIONS,
  agent: { type: 'string' },
  out: { type: 'string' },
  'api-key': { type: 'string' },
  from: { type: 'string' },
  sheet: { type: 'string' },
  into: { type: 'string' },
};

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('run', args, RUN_OPTIONS);
  if (v.help) return help(io);
  if (v.from !== undefined) return runFromCommand(v, positionals, io);
  const started = Date.now();
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `run: one ITEMS.csv expected, got ${positionals.join(' ')}` : 'run: which CSV? rowrunner run ITEMS.csv --agent AGENT.json');
  const csv = positionals[0];
  const agentFile = str(v, 'agent');
  if (!agentFile) throw new UsageError('run: --agent AGENT.json is required');
  const options = runOptionsFromFlags(v);
  const out = checkOut(str(v, 'out'));
  const sheet = str(v, 'sheet');
  const into = checkInto(str(v, 'into'), out);
  const agent = loadAgentFile(agentFile);
  const budget = budgetProblem(agent, options);
  if (budget) throw new UsageError(`${agentFile}: ${budget}`);
  const connection = connectionFor(agent.baseURL, io.env, str(v, 'api-key'));

  // The header first (milliseconds even for a huge file): a prompt naming a missing column fails now.
  const shownCsv = path.relative(process.cwd(), path.resolve(csv)) || csv;
  if (!fs.existsSync(csv)) throw new UsageError(`${shownCsv}: no such file`);
  if (fs.statSync(csv).isDirectory()) throw new UsageError(`${shownCsv}: is a folder, not a CSV file`);
  let header: string[];
  try {
    const info = await readTableHeader(csv, sheet !== undefined ? { sheet } : {});
    if (sheet !== undefined && !('sheet' in info)) throw new UsageError(`--sheet ${sheet}: ${shownCsv} is a CSV, not an .xlsx workbook; it has no sheets`);
    header = info.columns;
  } catch (err) {
    throw csvError(shownCsv, err);
  }
  try {
    templateColumns(agent.prompt);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`${agentFile}: prompt: ${err.message}`);
    throw err;
  }
  const missing = missingColumns(agent.prompt, header);
  if (missing.length) {
    throw new UsageError(`${agentFile}: ${promptColumnsMessage(missing, header, shownCsv)}`);
  }

  return withService(v, io.env, async (svc) => {
    // The run's worker thread starts while the CSV is imported.
    svc.prewarm();
    const stops = watchStops(io);
    io.stderr.write(`Importing ${shownCsv}…\n`);
    try {
      // Live mode starts with the first rows; adding answers to a workbook needs its row count first,
      // and batch mode sends its requests in files.
      if (!into && options.mode !== 'batch') {
        return await runAsRead(svc, io, stops, {
          csv,
          shown: shownCsv,
          ...(sheet !== undefined ? { sheet } : {}),
          agent,
          options,
          connection,
          started,
          ...(out ? { out } : {}),
          json: v.json === true,
          fileError: (err) => csvError(shownCsv, err),
        });
      }
      let run;
      try {
        run = await importAndCreateRun(svc, io, stops, {
          csv,
          ...(sheet !== undefined ? { sheet } : {}),
          agent,
          options,
          endpoint: connection.endpoint,
          check(ds) {
            if (ds.rowCount === 0) throw new UsageError(`${shownCsv}: a header but no rows: zero items, nothing to run`);
            for (const note of ds.notes) io.stderr.write(`${shownCsv}: ${note}\n`);
          },
          ...(into ? { checkAsync: (ds) => checkIntoRows(into, csv, sheet, ds.rowCount) } : {}),
        });
      } catch (err) {
        throw csvError(shownCsv, err);
      }
      if (!run) {
        const message = 'Cancelled before the run was created; nothing was kept.';
        io.stderr.write(`rowrunner: ${message}\n`);
        if (v.json === true) io.stdout.write(`${JSON.stringify({ error: message, exitCode: EXIT.stopped })}\n`);
        return EXIT.stopped;
      }
      io.stderr.write(`Run ${run.runId}: ${count(run.totals.items, 'item')} with agent "${agent.name}" (${agent.model}); database ${svc.dbPath}\n`);
      if (connection.note) io.stderr.write(`${connection.note}\n`);
      svc.start(run.runId, { apiKey: connection.apiKey, endpoint: connection.endpoint, baseURL: baseURLOf(connection.endpoint) });
      return await followToEnd(svc, run.runId, io, { started, out, json: v.json === true, stops, ...(into ? { into: { workbook: into, ...(sheet !== undefined ? { sheet } : {}) } } : {}) });
    } finally {
      stops.close();
    }
  }, out, 'run');
}

function csvError(shown: string, err: unknown): Error {
  if (err instanceof CsvImportError) return new UsageError(`${shown}: ${err.message}`);
  if (err instanceof UsageError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') {
    return new UsageError(`${shown}: ${(err as Error).message}`);
  }
  return err as Error;
}
