// rowrunner resume RUN_ID / retry-failed RUN_ID: continue a run that ended early, or send its failed items again.
// The run continues on the endpoint it recorded unless --endpoint names another.
import { budgetProblem } from '../../engine/index.ts';
import type { StartOptions } from '../../runs/service.ts';
import { checkOut, COMMON, parse, runIdArg, str, type Options } from '../args.ts';
import { baseURLOf, continuationFor } from '../endpoint.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { RUN_FLAG_OPTIONS, runOptionsFromFlags } from '../run-flags.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { help } from './help.ts';
import { count } from '../../../../shared/plural.ts';

const RESUME_OPTIONS: Options = {
  ...COMMON,
  'max-cost': RUN_FLAG_OPTIONS['max-cost'],
  'max-tokens': RUN_FLAG_OPTIONS['max-tokens'],
  timeout: RUN_FLAG_OPTIONS.timeout,
  out: { type: 'string' },
  'api-key': { type: 'string' },
  endpoint: { type: 'string' },
};

export async function continueCommand(command: 'resume' | 'retry-failed', args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(command, args, RESUME_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  const runId = runIdArg(command, positionals);
  const out = checkOut(str(v, 'out'));
  const { maxCost, maxTokens, timeoutMs } = runOptionsFromFlags(v, ['max-cost', 'max-tokens', 'timeout']);
  const start: StartOptions = {
    ...(maxCost !== undefined ? { maxCost } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
  return withService(v, io.env, async (svc) => {
    const before = svc.getRun(runId);
    const budget = budgetProblem(before.agent, { maxCost: maxCost ?? before.options.maxCost });
    if (budget) throw new UsageError(`run ${runId}: ${budget}`);
    const connection = continuationFor(before, io.env, str(v, 'api-key'), str(v, 'endpoint'));
    if (connection.note) io.stderr.write(`${connection.note}\n`);
    Object.assign(start, { apiKey: connection.apiKey, endpoint: connection.endpoint, baseURL: baseURLOf(connection.endpoint) });
    const stops = watchStops(io);
    try {
      const run = command === 'resume' ? svc.resume(runId, start) : svc.retryFailed(runId, start);
      const t = run.totals;
      io.stderr.write(
        `Run ${runId}: ${command === 'resume' ? 'resuming' : 'retrying'} ${t.pending.toLocaleString('en-US')} of ${count(t.items, 'item')} ` +
          `(${t.done} already done) on ${baseURLOf(connection.endpoint)}\n`,
      );
      return await followToEnd(svc, runId, io, { started, out, json: v.json === true, stops });
    } finally {
      stops.close();
    }
  }, out, 'run');
}
