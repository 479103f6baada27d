// A read-only database file, for real: the file is made read-only and the CLI runs as a user that
// cannot write it (as root, which writes anything, it runs as nobody). Commands that would run stop
// before anything is sent, with exit 1 and a message that says the database is read-only and what to
// do; commands that only read (runs, datasets, export) open it read-only and work; the file is left
// exactly as it was.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunService } from '../runs/service.ts';
import { withReadonlyDb } from '../runs/test-store.ts';
import { BIN, lastJson, runCli } from './test-helpers.ts';

const NOBODY = { uid: 65534, gid: 65534 };
const isRoot = process.getuid?.() === 0;
/** As root, whether nobody can run the CLI from where it is checked out. */
const nobodyCanRun = isRoot && spawnSync(process.execPath, [BIN, '--help'], { ...NOBODY, stdio: 'ignore', timeout: 30_000 }).status === 0;
const as = isRoot ? NOBODY : undefined;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-readonly-'));
  fs.chmodSync(dir, 0o777);
});
afterAll(() => {
  fs.chmodSync(dir, 0o777);
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

it.skipIf(isRoot && !nobodyCanRun)('a read-only database: runs stop before sending with a clear error (exit 1), reads work, the file is untouched', async () => {
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, 'question\nfirst\nsecond\n');
  const agentFile = path.join(dir, 'agent.json');
  const agent = { name: 'qa', model: 'sim-model', baseURL: 'http://127.0.0.1:9/v1', prompt: 'Answer: {{question}}' };
  fs.writeFileSync(agentFile, JSON.stringify(agent));
  const dbPath = path.join(dir, 'rowrunner.db');
  const svc = createRunService({ dbPath });
  const ds = await svc.importDataset(csv);
  const run = svc.createRun({ datasetId: ds.id, agent });
  await svc.close();
  for (const f of [csv, agentFile]) fs.chmodSync(f, 0o644);
  fs.chmodSync(dbPath, 0o444);
  const before = sha(dbPath);
  const env = { OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath };

  for (const args of [
    ['resume', run.runId, '--json'],
    ['retry-failed', run.runId, '--json'],
    ['run', csv, '--agent', agentFile, '--json'],
  ]) {
    const res = await runCli([...args], env, dir, as);
    expect(res.code, `${args[0]}: ${res.stderr}`).toBe(1);
    expect(res.stderr).toContain(`rowrunner: the database ${dbPath} is read-only (attempt to write a readonly database). Make the file and its folder writable`);
    expect(res.stderr).toContain('nothing was sent');
    expect(res.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(lastJson(res.stdout)).toMatchObject({ exitCode: 1 });
  }

  const runs = await runCli(['runs', '--json'], env, dir, as);
  expect(runs.code, runs.stderr).toBe(0);
  expect(JSON.parse(runs.stdout)).toMatchObject([{ runId: run.runId, status: 'pending', items: 2 }]);
  const datasets = await runCli(['datasets', '--json'], env, dir, as);
  expect(datasets.code, datasets.stderr).toBe(0);
  expect(JSON.parse(datasets.stdout)).toMatchObject([{ rows: 2, runs: [run.runId] }]);
  const out = path.join(dir, 'out.jsonl');
  const exported = await runCli(['export', run.runId, '--out', out], env, dir, as);
  expect(exported.code, exported.stderr).toBe(0);
  expect(fs.readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(2);

  expect(sha(dbPath)).toBe(before);
  withReadonlyDb(dbPath, (db) => {
    expect(db.prepare(`SELECT status FROM runs WHERE id = ?`).pluck().get(Number(run.runId))).toBe('pending');
    expect(db.prepare(`SELECT COUNT(*) FROM datasets`).pluck().get()).toBe(1);
  });

  // The folder read-only too: the database cannot even be opened for writing; the message says so.
  for (const f of fs.readdirSync(dir)) if (f.startsWith('rowrunner.db-')) fs.rmSync(path.join(dir, f));
  fs.chmodSync(dir, 0o555);
  const res = await runCli(['resume', run.runId], env, undefined, as);
  const listed = await runCli(['runs', '--json'], env, undefined, as);
  fs.chmodSync(dir, 0o777);
  expect(res.code, res.stderr).toBe(1);
  expect(res.stderr).toMatch(/^rowrunner: the database .*rowrunner\.db is read-only \(.*\)\. Make the file and its folder writable/m);
  expect(listed.code, listed.stderr).toBe(0);
  expect(JSON.parse(listed.stdout)).toMatchObject([{ runId: run.runId, status: 'pending' }]);
  expect(sha(dbPath)).toBe(before);
});
