// The process dies while its file is read and its run sends: the next open keeps the rows read (the
// run holds them), says where reading stopped, marks the run interrupted, and a resume finishes them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent } from '../testing/fixtures.ts';
import { createRunService } from './service.ts';
import { checkStore } from './test-store.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});

it('a kill -9 while the file is read leaves a resumable run over the rows read, with a note saying so', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-import-crash-'));
  const dbPath = path.join(dir, 'rowrunner.db');
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, `question\n${Array.from({ length: 10_000 }, (_, i) => `question number ${i}`).join('\n')}\n`);
  // The process kills itself once the second batch of rows is committed (it is asked before the run is
  // made, then after each batch): the run has sent some of the first rows by then.
  const script = path.join(dir, 'crash.ts');
  fs.writeFileSync(
    script,
    `import { createRunService } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, 'service.ts')).href)};
const svc = createRunService({ dbPath: ${JSON.stringify(dbPath)}, apiKey: () => 'sk-test' });
const agent = ${JSON.stringify(qaAgent(sim.url, { answerTool: false }))};
let batches = 0;
const job = svc.importAndRun({ file: ${JSON.stringify(file)}, run: { agent, options: { batchSize: 4 } }, start: {}, stopRequested: () => {
  if (++batches === 3) process.kill(process.pid, 'SIGKILL');
  return false;
} });
await job.started;
await job.imported;
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
  expect(signal, stderr).toBe('SIGKILL');

  const svc = createRunService({ dbPath, apiKey: () => 'sk-test' });
  try {
    const [ds] = svc.listDatasets();
    expect(ds.rowCount).toBe(2000);
    expect(ds.notes.at(-1)).toBe('Reading items.csv stopped after 2,000 rows (the process reading it ended): the rest of the file is not in this dataset, nor in its run.');
    const [run] = svc.listRuns();
    expect(run.status).toBe('interrupted');
    expect(run.totals.items).toBe(2000);
    svc.resume(run.runId);
    const end = await svc.finished(run.runId);
    expect(end.status).toBe('completed');
    expect(end.totals).toMatchObject({ items: 2000, done: 2000, failed: 0 });
    checkStore(dbPath, Number(run.runId));
  } finally {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
