// rowrunner rm RUN_ID|dDATASET_ID…: removes runs (with their dataset once no run uses it) and unused datasets.
import type { RunService } from '../../runs/service.ts';
import { parse, type Options } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { help } from './help.ts';

const RM_OPTIONS: Options = { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

type Target = { kind: 'run'; id: string } | { kind: 'dataset'; id: string };

function targetOf(arg: string): Target {
  if (/^\d+$/.test(arg)) return { kind: 'run', id: arg };
  const m = /^d(\d+)$/i.exec(arg);
  if (m) return { kind: 'dataset', id: m[1] };
  throw new UsageError(`rm: "${arg}" is neither a RUN_ID (a number, see \`rowrunner runs\`) nor a dataset's ID (d and a number, see \`rowrunner datasets\`)`);
}

export async function rmCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('rm', args, RM_OPTIONS);
  if (v.help) return help(io);
  if (positionals.length === 0) throw new UsageError('rm: what? Give a RUN_ID (see `rowrunner runs`) or a dataset\'s ID such as d3 (see `rowrunner datasets`)');
  const targets = positionals.map(targetOf);
  return withService(v, io.env, async (svc) => {
    for (const t of targets) {
      if (t.kind === 'run') await removeRun(svc, t.id, io);
      else removeDataset(svc, t.id, io);
    }
    return EXIT.ok;
  }, undefined, 'write');
}

async function removeRun(svc: RunService, runId: string, io: CliIo): Promise<void> {
  const { datasetId } = svc.getRun(runId);
  await svc.deleteRun(runId);
  io.stdout.write(`Removed run ${runId}\n`);
  // Its dataset goes with it once no other run uses it.
  if (!svc.listRuns().some((r) => r.datasetId === datasetId)) removeDataset(svc, datasetId, io);
}

function removeDataset(svc: RunService, datasetId: string, io: CliIo): void {
  const users = svc.listRuns().filter((r) => r.datasetId === datasetId).map((r) => r.runId);
  if (users.length) throw new UsageError(`rm d${datasetId}: the dataset is used by run ${users.join(', ')}; remove ${users.length > 1 ? 'those runs' : 'that run'} instead (rm ${users.join(' ')})`);
  const { name } = svc.datasetSummary(datasetId);
  svc.deleteDataset(datasetId);
  io.stdout.write(`Removed dataset d${datasetId} (${name})\n`);
}
