// rowrunner resume RUN_ID / retry-failed RUN_ID: continue a run that ended early, or send its failed items again.
import type { StartOptions } from '../../runs/service.ts';
import { checkOut, COMMON, parse, runIdArg, str, type Options } from '../args.ts';
import { connectionFor } from '../endpoint.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { RUN_FLAG_OPTIONS, runOptionsFromFlags } from '../run-flags.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { help } from './help.ts';

const RESUME_OPTIONS: Options = { ...COMMON, 'max-cost': RUN_FLAG_OPTIONS['max-cost'], 'max-tokens': RUN_FLAG_OPTIONS['max-tokens'], out: { type: 'string' }, 'api-key': { type: 'string' } };

export async function continueCommand(command: 'resume' | 'retry-failed', args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(command, args, RESUME_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  const runId = runIdArg(command, positionals);
  const out = checkOut(str(v, 'out'));
  const { maxCost, maxTokens } = runOptionsFromFlags(v, ['max-cost', 'max-tokens']);
  const start: StartOptions = { ...(maxCost !== undefined ? { maxCost } : {}), ...(maxTokens !== undefined ? { maxTokens } : {}) };
  return withService(v, io.env, async (svc) => {
    const before = svc.getRun(runId);
    const connection = connectionFor(before.agent.baseURL, io.env, str(v, 'api-key'));
    if (connection.note) io.stderr.write(`${connection.note}\n`);
    Object.assign(start, { apiKey: connection.apiKey, endpoint: connection.endpoint });
    const stops = watchStops(io);
    try {
      const run = command === 'resume' ? svc.resume(runId, start) : svc.retryFailed(runId, start);
      const t = run.totals;
      io.stderr.write(`Run ${runId}: ${command === 'resume' ? 'resuming' : 'retrying'} ${t.pending.toLocaleString('en-US')} of ${t.items.toLocaleString('en-US')} items (${t.done} already done)\n`);
      return await followToEnd(svc, runId, io, { started, out, json: v.json === true, stops });
    } finally {
      stops.close();
    }
  }, out);
}
