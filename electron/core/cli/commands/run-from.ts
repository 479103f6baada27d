// rowrunner run --from RUN_ID --agent AGENT.json: a new run over the same rows as an earlier run (no
// CSV), with this agent and the earlier run's options (any run-option flag given overrides its own).
import { missingColumns, TemplateError, templateColumns } from '../../../../shared/template.ts';
import { promptColumnsMessage } from '../../../../shared/validation.ts';
import { budgetProblem } from '../../engine/pricing.ts';
import { loadAgentFile } from '../agent-file.ts';
import { checkOut, str, type Values } from '../args.ts';
import { baseURLOf, connectionFor } from '../endpoint.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { runOptionsFromFlags } from '../run-flags.ts';
import { followToEnd } from '../session.ts';
import { watchStops } from '../stops.ts';
import { checkDbHoldsRuns, namedRun } from './rerun.ts';
import { count } from '../../../../shared/plural.ts';

export async function runFromCommand(v: Values, positionals: string[], io: CliIo): Promise<number> {
  const started = Date.now();
  const from = str(v, 'from')!;
  if (!/^\d+$/.test(from)) throw new UsageError(`--from needs a RUN_ID, a number (see \`rowrunner runs\`), got "${from}"`);
  if (positionals.length) throw new UsageError(`run --from ${from} takes no ITEMS.csv: the rows are run ${from}'s (got ${positionals.join(' ')})`);
  for (const flag of ['sheet', 'into'] as const) {
    if (str(v, flag) !== undefined) throw new UsageError(`run --from ${from} takes no --${flag}: the rows are run ${from}'s, not a workbook's`);
  }
  const agentFile = str(v, 'agent');
  if (!agentFile) throw new UsageError(`run --from ${from}: --agent AGENT.json is required`);
  const options = runOptionsFromFlags(v);
  const out = checkOut(str(v, 'out'));
  const agent = loadAgentFile(agentFile);
  try {
    templateColumns(agent.prompt);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`${agentFile}: prompt: ${err.message}`);
    throw err;
  }
  const connection = connectionFor(agent.baseURL, io.env, str(v, 'api-key'));
  checkDbHoldsRuns(v, io.env, '--from', from);

  return withService(v, io.env, async (svc) => {
    const earlier = namedRun(svc, from, '--from');
    const budget = budgetProblem(agent, { ...earlier.options, ...options });
    if (budget) throw new UsageError(`${agentFile}: ${budget}`);
    const missing = missingColumns(agent.prompt, earlier.inputColumns);
    if (missing.length) throw new UsageError(`${agentFile}: ${promptColumnsMessage(missing, earlier.inputColumns, `the rows of run ${from}`)}`);
    const stops = watchStops(io);
    try {
      const run = svc.createRunFrom({ fromRunId: from, agent, options, endpoint: connection.endpoint });
      io.stderr.write(
        `Run ${run.runId}: the ${count(run.totals.items, 'row')} of run ${from} with agent "${agent.name}" (${agent.model}); database ${svc.dbPath}\n`,
      );
      if (connection.note) io.stderr.write(`${connection.note}\n`);
      svc.start(run.runId, { apiKey: connection.apiKey, endpoint: connection.endpoint, baseURL: baseURLOf(connection.endpoint) });
      return await followToEnd(svc, run.runId, io, { started, out, json: v.json === true, stops });
    } finally {
      stops.close();
    }
  }, out, 'run');
}
