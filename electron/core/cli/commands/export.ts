// rowrunner export RUN_ID --out FILE: write a run's results.
import { checkOut, parse, runIdArg, str, type Options } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { help } from './help.ts';
import { count } from '../../../../shared/plural.ts';

const EXPORT_OPTIONS: Options = { db: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('export', args, EXPORT_OPTIONS);
  if (v.help) return help(io);
  const runId = runIdArg('export', positionals);
  const out = checkOut(str(v, 'out'));
  if (!out) throw new UsageError('export: --out FILE is required (.xlsx, .csv or .jsonl)');
  return withService(v, io.env, async (svc) => {
    svc.getRun(runId);
    const res = await svc.exportRun(runId, out);
    io.stdout.write(`Exported ${count(res.rows, 'row')} of run ${runId} to ${res.path}\n`);
    return EXIT.ok;
  }, out, 'read');
}
