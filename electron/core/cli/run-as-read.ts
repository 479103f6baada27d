// `rowrunner run` in live mode: the run starts with the file's first rows and takes in the rest as they
// are read (see runs/import-and-run.ts), so a large file starts sending at once.
import type { AgentSpec, RunOptionsInput } from '../../../shared/domain.ts';
import { count } from '../../../shared/plural.ts';
import { CsvImportError } from '../io/csv/index.ts';
import { NoRowsError } from '../runs/import-and-run.ts';
import type { RunService } from '../runs/service.ts';
import { baseURLOf, type Connection } from './endpoint.ts';
import { EXIT, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import { followToEnd } from './session.ts';
import type { Stops } from './stops.ts';

export interface RunAsReadParams {
  csv: string;
  /** The file as the messages name it. */
  shown: string;
  sheet?: string;
  agent: AgentSpec;
  options: RunOptionsInput;
  connection: Connection;
  started: number;
  out?: string;
  json: boolean;
  /** Turns the reader's and the store's errors into the CLI's (exit 2 naming the file). */
  fileError(err: unknown): Error;
}

export async function runAsRead(svc: RunService, io: CliIo, stops: Stops, p: RunAsReadParams): Promise<number> {
  const { connection, agent } = p;
  const job = svc.importAndRun({
    file: p.csv,
    ...(p.sheet !== undefined ? { sheet: p.sheet } : {}),
    run: { agent, options: p.options, endpoint: connection.endpoint },
    start: { apiKey: connection.apiKey, endpoint: connection.endpoint, baseURL: baseURLOf(connection.endpoint) },
    stopRequested: () => stops.requested,
  });
  let run;
  try {
    run = await job.started;
  } catch (err) {
    if (err instanceof NoRowsError) throw new UsageError(`${p.shown}: a header but no rows: zero items, nothing to run`);
    throw p.fileError(err);
  }
  if (!run) {
    const message = 'Cancelled before the run was created; nothing was kept.';
    io.stderr.write(`rowrunner: ${message}\n`);
    if (p.json) io.stdout.write(`${JSON.stringify({ error: message, exitCode: EXIT.stopped })}\n`);
    return EXIT.stopped;
  }
  const runId = run.runId;
  io.stderr.write(`Run ${runId}: started with the first rows of ${p.shown}, the rest added as they are read; agent "${agent.name}" (${agent.model}); database ${svc.dbPath}\n`);
  if (connection.note) io.stderr.write(`${connection.note}\n`);
  const imported = job.imported.then(
    ({ dataset }) => {
      for (const note of dataset.notes) io.stderr.write(`${p.shown}: ${note}\n`);
    },
    (err: unknown) => {
      if (!(err instanceof CsvImportError)) throw p.fileError(err);
      const kept = svc.getRun(runId).totals.items;
      throw new UsageError(
        `${p.shown}: ${err.message}\nRun ${runId} stopped there and keeps the ${count(kept, 'row')} read before it (\`rowrunner resume ${runId}\` sends the rest of those); ` +
          'after fixing the file, run it again: rows already answered come from the response cache.',
      );
    },
  );
  // Awaited once the run ends (follow); a problem in the file cancels the run first.
  imported.catch(() => {});
  return followToEnd(svc, runId, io, { started: p.started, ...(p.out ? { out: p.out } : {}), json: p.json, stops, imported });
}
