// rowrunner resume RUN_ID / retry-failed RUN_ID [--only infra|invalid]: continue a run that ended early, or send its failed items again.
// The run continues on the endpoint it recorded unless --endpoint names another.
import { RetryKindSchema } from '../../../../shared/attempts.ts';
import { budgetProblem } from '../../engine/pricing.ts';
import type { RunInfo, RunService, StartOptions } from '../../runs/service.ts';
import { checkOut, COMMON, parse, runIdArg, str, type Options, type Values } from '../args.ts';
import { baseURLOf, continuationFor } from '../endpoint.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { RUN_FLAG_OPTIONS, runOptionsFromFlags } from '../run-flags.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { help } from './help.ts';
import { count } from '../../../../shared/plural.ts';

export const RESUME_OPTIONS: Options = {
  ...COMMON,
  'max-cost': RUN_FLAG_OPTIONS['max-cost'],
  'max-tokens': RUN_FLAG_OPTIONS['max-tokens'],
  timeout: RUN_FLAG_OPTIONS.timeout,
  out: { type: 'string' },
  'api-key': { type: 'string' },
  endpoint: { type: 'string' },
};

/** The budget and timeout flags of a session that continues a run (resume, retry-failed, rerun). */
export function continuingBudgets(v: Values): StartOptions {
  const { maxCost, maxTokens, timeoutMs } = runOptionsFromFlags(v, ['max-cost', 'max-tokens', 'timeout']);
  return {
    ...(maxCost !== undefined ? { maxCost } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** Where and with what key a run continues: its budget checked, the note printed; the start options complete. */
export function continuingStart(svc: RunService, before: RunInfo, v: Values, io: CliIo, budgets: StartOptions): StartOptions {
  const budget = budgetProblem(before.agent, { maxCost: budgets.maxCost ?? before.options.maxCost });
  if (budget) throw new UsageError(`run ${before.runId}: ${budget}`);
  const connection = continuationFor(before, io.env, str(v, 'api-key'), str(v, 'endpoint'));
  if (connection.note) io.stderr.write(`${connection.note}\n`);
  return { ...budgets, apiKey: connection.apiKey, endpoint: connection.endpoint, baseURL: baseURLOf(connection.endpoint) };
}

const RETRY_OPTIONS: Options = { ...RESUME_OPTIONS, only: { type: 'string' } };

export async function continueCommand(command: 'resume' | 'retry-failed', args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(command, args, command === 'resume' ? RESUME_OPTIONS : RETRY_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  const runId = runIdArg(command, positionals);
  const out = checkOut(str(v, 'out'));
  const onlyFlag = str(v, 'only');
  const only = onlyFlag === undefined ? undefined : RetryKindSchema.safeParse(onlyFlag);
  if (only && !only.success) throw new UsageError(`--only needs infra (network, timeouts, 429, 5xx) or invalid (answers that failed validation), got "${onlyFlag}"`);
  const budgets = continuingBudgets(v);
  return withService(v, io.env, async (svc) => {
    const start = continuingStart(svc, svc.getRun(runId), v, io, budgets);
    const stops = watchStops(io);
    try {
      const run = command === 'resume' ? svc.resume(runId, start) : svc.retryFailed(runId, { ...start, ...(only ? { only: only.data } : {}) });
      const t = run.totals;
      io.stderr.write(
        `Run ${runId}: ${command === 'resume' ? 'resuming' : 'retrying'}${only ? ` (${only.data} failures only)` : ''} ${t.pending.toLocaleString('en-US')} of ${count(t.items, 'item')} ` +
          `(${t.done} already done) on ${baseURLOf(start.endpoint!)}\n`,
      );
      return await followToEnd(svc, runId, io, { started, out, json: v.json === true, stops });
    } finally {
      stops.close();
    }
  }, out, 'run');
}
