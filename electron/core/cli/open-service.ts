// The one way a command opens the runs service: on --db, else $ROWRUNNER_DB, else the desktop app's database.
import { createRunService, type RunService } from '../runs/service.ts';
import { cliWorkerUrl } from '../runs/worker-bundle.ts';
import { DatabaseVersionError } from '../store/db.ts';
import { defaultDbPath } from '../store/paths.ts';
import { str, type Values } from './args.ts';
import { UsageError } from './errors.ts';
import { explainFailure } from './failures.ts';
import type { CliIo } from './io.ts';

export function openService(v: Values, env: CliIo['env']): RunService {
  const db = str(v, 'db') ?? defaultDbPath(env);
  try {
    return createRunService({ dbPath: db, apiKey: () => env.OPENAI_API_KEY, tuneHeapForWorkers: true, workerUrl: cliWorkerUrl() });
  } catch (err) {
    if (err instanceof DatabaseVersionError) throw new UsageError(err.message);
    throw new UsageError(`--db ${db}: cannot open the database: ${(err as Error).message}`);
  }
}

/**
 * Runs `work` on an open service and closes it after, however `work` ends. A full disk or a damaged
 * database becomes a CliFailure that says what to do; `out` is the file the command writes, if any.
 */
export async function withService<T>(v: Values, env: CliIo['env'], work: (svc: RunService) => Promise<T> | T, out?: string): Promise<T> {
  const svc = openService(v, env);
  try {
    return await work(svc);
  } catch (err) {
    throw explainFailure(err, { dbPath: svc.dbPath, out }) ?? err;
  } finally {
    await svc.close().catch(() => {});
  }
}
