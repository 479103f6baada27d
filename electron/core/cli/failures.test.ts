// A full disk and a damaged database are told in words, with what to do, and exit 1: no stack trace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-failures-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

async function aRun(rows: number): Promise<void> {
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, 'question\n' + Array.from({ length: rows }, (_, i) => `question ${i} ${'x'.repeat(200)}`).join('\n') + '\n');
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  const res = await runCli(['run', csv, '--agent', agent, '--batch-size', '64'], env);
  expect(res.code, res.stderr).toBe(0);
}

const STACK_LINE = /^\s+at /m;

it('export to a full disk: says so and what to do, exit 1, no file left', { timeout: 120_000 }, async () => {
  await aRun(3);
  const out = path.join(dir, 'results.csv');
  // The export writes results.csv.partial first: here that is /dev/full, where every write gets ENOSPC.
  fs.symlinkSync('/dev/full', `${out}.partial`);
  const res = await runCli(['export', '1', '--out', out], env);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(`cannot write ${out}: the disk is full`);
  expect(res.stderr).toContain('Free some space or give --out a file on another disk');
  expect(res.stderr).not.toMatch(STACK_LINE);
  expect(fs.existsSync(out)).toBe(false);
});

it('export from a database with damaged pages: says so and how to recover, exit 1', { timeout: 120_000 }, async () => {
  await aRun(1500);
  // Overwrite some of the pages that hold the items' rows (the file stays a database: its first page is intact).
  const db = new Database(env.ROWRUNNER_DB!);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = (db.prepare(`SELECT pageno FROM dbstat WHERE name = 'items' AND pagetype = 'leaf' ORDER BY pageno`).all() as { pageno: number }[]).map((p) => p.pageno);
  db.close();
  expect(pages.length).toBeGreaterThan(10);
  const fd = fs.openSync(env.ROWRUNNER_DB!, 'r+');
  for (const page of pages.slice(pages.length / 2, pages.length / 2 + 5)) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  fs.closeSync(fd);

  const res = await runCli(['export', '1', '--out', path.join(dir, 'results.csv')], env);
  expect(res.code, res.stderr).toBe(1);
  expect(res.stderr).toContain(`the database ${env.ROWRUNNER_DB} is damaged`);
  expect(res.stderr).toContain('.recover');
  expect(res.stderr).not.toMatch(STACK_LINE);
});
