// rowrunner datasets: the imported CSVs in the database, with the runs that use each; one that no run
// uses (the app imported it, or a run was never created) can be removed with `rowrunner rm dID`.
import { COMMON, parse } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { writeTable } from '../table.ts';
import { help } from './help.ts';

export async function datasetsCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('datasets', args, COMMON);
  if (v.help) return help(io);
  if (positionals.length) throw new UsageError(`datasets: unexpected argument ${positionals[0]}`);
  return withService(v, io.env, (svc) => {
    const runs = svc.listRuns();
    const list = svc.listDatasets().map((d) => ({
      datasetId: d.id,
      name: d.name,
      rows: d.rowCount,
      columns: d.columns,
      runs: runs.filter((r) => r.datasetId === d.id).map((r) => r.runId),
      createdAt: d.createdAt,
    }));
    if (v.json) {
      io.stdout.write(`${JSON.stringify(list)}\n`);
      return EXIT.ok;
    }
    if (list.length === 0) {
      io.stdout.write(`No datasets in ${svc.dbPath}\n`);
      return EXIT.ok;
    }
    writeTable(io, [
      ['ID', 'ROWS', 'RUNS', 'CREATED', 'NAME'],
      ...list.map((d) => [`d${d.datasetId}`, String(d.rows), d.runs.join(',') || 'none', d.createdAt.slice(0, 16).replace('T', ' '), d.name]),
    ]);
    return EXIT.ok;
  }, undefined, 'read');
}
