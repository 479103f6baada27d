// rowrunner runs: the runs in the database, oldest first.
import { COMMON, parse } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { money } from '../progress.ts';
import { writeTable } from '../table.ts';
import { help } from './help.ts';

export async function runsCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('runs', args, COMMON);
  if (v.help) return help(io);
  if (positionals.length) throw new UsageError(`runs: unexpected argument ${positionals[0]}`);
  return withService(v, io.env, (svc) => {
    const runs = svc.listRuns();
    if (v.json) {
      const list = runs.map((r) => ({
        runId: r.runId,
        name: r.name,
        status: r.status,
        items: r.totals.items,
        done: r.totals.done,
        failed: r.totals.failed,
        skipped: r.totals.items - r.totals.done - r.totals.failed,
        promptTokens: r.totals.promptTokens,
        completionTokens: r.totals.completionTokens,
        costUsd: r.totals.costUsd,
        cachedCalls: r.totals.cachedCalls ?? 0,
        savedUsd: r.totals.savedUsd ?? 0,
        agent: r.agent.name,
        model: r.agent.model,
        dataset: r.datasetName,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        error: r.error,
      }));
      io.stdout.write(`${JSON.stringify(list)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.stdout.write(`No runs in ${svc.dbPath}\n`);
      return EXIT.ok;
    }
    writeTable(io, [
      ['ID', 'STATUS', 'ITEMS', 'DONE', 'FAILED', 'COST', 'CREATED', 'NAME'],
      ...runs.map((r) => [
        r.runId,
        r.status,
        String(r.totals.items),
        String(r.totals.done),
        String(r.totals.failed),
        money(r.totals.costUsd),
        r.createdAt.slice(0, 16).replace('T', ' '),
        r.name,
      ]),
    ]);
    return EXIT.ok;
  }, undefined, 'read');
}
