// The command line on a full disk: a real small filesystem (a tmpfs mounted for the test) holds the
// database and is filled to the last byte. runs, datasets and export still work (they open the
// database read-only); run, resume and retry-failed stop before anything is sent (exit 1) with a
// message that says the disk is full and what to do; once space is freed, resume finishes the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunService } from '../runs/service.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli } from './test-helpers.ts';
import { fillDisk, mountSmallDisk, type SmallDisk } from '../testing/tmpfs.ts';

let sim: Simulator;
let disk: SmallDisk;
let work: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-full-work-'));
  // Room for the 64 MB a run asks to have free, so that freeing the filler lets a resume go.
  disk = mountSmallDisk('80m', 'rr-cli-full-');
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(work, { recursive: true, force: true });
  disk.unmount();
});

it('on a full disk: reads work, runs stop before sending (exit 1); with space freed, resume finishes', { timeout: 120_000 }, async (ctx) => {
  const mount = disk.dir;
  if (!mount) {
    ctx.skip(`no tmpfs could be mounted here (${disk.why})`);
    return;
  }
  const dbPath = path.join(mount, 'rowrunner.db');
  const csv = path.join(work, 'items.csv');
  fs.writeFileSync(csv, ['question', ...Array.from({ length: 5 }, (_, i) => `q${i} ${process.pid}`)].join('\n') + '\n');
  const agentFile = path.join(work, 'agent.json');
  const agent = { name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' };
  fs.writeFileSync(agentFile, JSON.stringify(agent));
  const svc = createRunService({ dbPath });
  const ds = await svc.importDataset(csv);
  const run = svc.createRun({ datasetId: ds.id, agent, endpoint: { kind: 'custom', baseURL: sim.url } });
  await svc.close();
  const env = { ROWRUNNER_DB: dbPath, OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test' };

  const filler = fillDisk(mount);
  sim.resetStats();

  const runs = await runCli(['runs', '--json'], env);
  expect(runs.code, runs.stderr).toBe(0);
  expect(JSON.parse(runs.stdout)).toMatchObject([{ runId: run.runId, status: 'pending', items: 5 }]);
  const datasets = await runCli(['datasets', '--json'], env);
  expect(datasets.code, datasets.stderr).toBe(0);
  expect(JSON.parse(datasets.stdout)).toMatchObject([{ rows: 5, runs: [run.runId] }]);
  const out = path.join(work, 'out.jsonl');
  const exported = await runCli(['export', run.runId, '--out', out], env);
  expect(exported.code, exported.stderr).toBe(0);
  expect(fs.readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(5);

  for (const args of [
    ['resume', run.runId],
    ['retry-failed', run.runId],
    ['run', csv, '--agent', agentFile],
  ]) {
    const res = await runCli([...args, '--json'], env);
    expect(res.code, `${args[0]}: ${res.stderr}`).toBe(1);
    expect(res.stderr).toContain(`rowrunner: the disk holding the database ${dbPath} is full. Free some space, then run the command again; nothing was sent.`);
    expect(lastJson(res.stdout)).toMatchObject({ exitCode: 1 });
  }
  expect(sim.stats().requests).toBe(0);

  // Some room, but less than a run asks for: refused the same way, with the figures.
  fs.rmSync(filler);
  fillDisk(mount, 40 * 1024 * 1024);
  const tight = await runCli(['resume', run.runId], env);
  expect(tight.code, tight.stderr).toBe(1);
  expect(tight.stderr).toMatch(/the disk holding .*rowrunner\.db has [\d.]+ MB free; a run needs at least 64\.0 MB .*nothing was sent/);
  expect(sim.stats().requests).toBe(0);

  fs.rmSync(filler);
  const res = await runCli(['resume', run.runId, '--json'], env);
  expect(res.code, res.stderr).toBe(0);
  expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', done: 5 });
  expect(sim.stats().requests).toBe(5);
});
