// rowrunner compare RUN_A RUN_B [RUN_C…] --out FILE: runs over the same rows side by side, written as one table.
import { checkOut, parse, str, type Options } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { help } from './help.ts';

const COMPARE_OPTIONS: Options = { db: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

export async function compareCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('compare', args, COMPARE_OPTIONS);
  if (v.help) return help(io);
  for (const id of positionals) {
    if (!/^\d+$/.test(id)) throw new UsageError(`compare: RUN_ID must be a number (see \`rowrunner runs\`), got "${id}"`);
  }
  const runIds = [...new Set(positionals)];
  if (runIds.length < 2) {
    throw new UsageError(`compare: give two runs or more (RUN_A RUN_B …), got ${runIds.length ? `only run ${runIds[0]}` : 'none'}`);
  }
  const out = checkOut(str(v, 'out'));
  if (!out) throw new UsageError('compare: --out FILE is required (.xlsx, .csv or .jsonl)');
  return withService(v, io.env, async (svc) => {
    // Checked (each run exists, all cover the same rows) before a file is opened.
    const summary = svc.compare.summary(runIds);
    const res = await svc.compare.exportTo(runIds, out);
    io.stdout.write(
      `Compared runs ${runIds.join(', ')}: ${summary.differing.toLocaleString('en-US')} of ${res.rows.toLocaleString('en-US')} rows differ; written to ${res.path}\n`,
    );
    return EXIT.ok;
  }, out, 'read');
}
