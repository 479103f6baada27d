// Importing a run's CSV and creating the run, so that no dataset is left behind without its run: a
// failure or a Ctrl-C (or SIGTERM) before the run exists removes the dataset again. A stop that comes
// while the run is created is left to the run's session, which cancels it at once.
import type { DatasetSummary, Endpoint } from '../../../shared/contract.ts';
import type { AgentSpec, RunOptionsInput } from '../../../shared/domain.ts';
import type { RunInfo, RunService } from '../runs/service.ts';
import type { CliIo } from './io.ts';
import type { Stops } from './stops.ts';

/** Thrown from the import's progress callback to stop it; the service then removes what it stored. */
class Cancelled extends Error {}

export interface CreateParams {
  csv: string;
  /** A workbook's sheet by name. */
  sheet?: string;
  agent: AgentSpec;
  options: RunOptionsInput;
  endpoint: Endpoint;
  /** Checks the imported dataset before the run is created (throws to refuse it). */
  check(ds: DatasetSummary): void;
  /** A check that reads a file (the --into workbook's rows), after `check`. */
  checkAsync?(ds: DatasetSummary): Promise<void>;
}

/** The created run, or null if an interrupt came first (then nothing is kept). */
export async function importAndCreateRun(svc: RunService, io: CliIo, stops: Stops, p: CreateParams): Promise<RunInfo | null> {
  let ds: DatasetSummary | undefined;
  try {
    ds = await svc.importDataset(p.csv, {
      ...(p.sheet !== undefined ? { sheet: p.sheet } : {}),
      onProgress: () => {
        if (stops.requested) throw new Cancelled();
      },
    });
    if (stops.requested) throw new Cancelled();
    p.check(ds);
    await p.checkAsync?.(ds);
    if (stops.requested) throw new Cancelled();
    return svc.createRun({ datasetId: ds.id, agent: p.agent, options: p.options, endpoint: p.endpoint });
  } catch (err) {
    if (ds) removeDataset(svc, ds.id, io);
    if (err instanceof Cancelled) return null;
    throw err;
  }
}

function removeDataset(svc: RunService, datasetId: string, io: CliIo): void {
  try {
    svc.deleteDataset(datasetId);
  } catch (err) {
    io.stderr.write(`rowrunner: could not remove the imported dataset d${datasetId} (${(err as Error).message}); \`rowrunner rm d${datasetId}\` removes it.\n`);
  }
}
