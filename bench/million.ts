// A million rows: whether Rowrunner's cost per row stays the same as N grows. Four phases over one
// CSV of N rows, each a real command or the core's own handlers:
// - run: `rowrunner run items.csv --agent agent.json --db DB --batch-size 256 --out results.jsonl --json`
//   against the test server at 0 ms in its own process: from the command to the first request the
//   server saw, wall time, CPU ms an item (user + system of the CLI and its worker thread), peak RSS
//   (the CLI's VmHWM: one process, its worker included);
// - review: the core's `items:page` handler over the finished run, as the Results screen calls it:
//   the first page, the last page, a status filter, a text search;
// - export: `rowrunner export 1 --db DB --out results.xlsx`: wall time and peak RSS;
// - stop: a second run of the same CSV, interrupted (SIGINT) once it has answered 2,000 items: the
//   time from the signal to the command's exit.
// Timings are medians of --runs runs (default 3; the machine is shared, so they are noisy); memory
// figures are steady from run to run. The load average is printed with the figures.
//
//   node bench/million.ts [--items 1000000] [--runs 3] [--phases run,review,export,stop] [--no-cache] [--json]
//   (--no-build: the run worker as out/cli holds it; by default it is bundled first, as `npm run bench` does)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createCore } from '../electron/core/core.ts';
import { createMemoryKeyStore } from '../electron/core/keys/index.ts';
import { BENCH_AGENT } from './workload.ts';
import { childrenCpuMs, vmHwmKb } from './child-measure.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE = process.execPath;
const CLI = path.join(ROOT, 'bin', 'rowrunner.js');
const BATCH = 256;
const STOP_AFTER_DONE = 2000;
const PAGE = 100;

const loadavg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function prepare(n: number): string {
  const dir = path.join(ROOT, 'bench', 'work', 'million', String(n));
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, 'items.csv');
  if (!fs.existsSync(csv)) {
    const topics = ['physics', 'history', 'geography', 'literature', 'biology', 'music', 'chemistry', 'art'];
    const out = fs.openSync(`${csv}.part`, 'w');
    let chunk = 'id,question\n';
    for (let i = 0; i < n; i++) {
      chunk += `${i},What is notable about item ${i} in ${topics[i % topics.length]}?\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk);
        chunk = '';
      }
    }
    fs.writeSync(out, chunk);
    fs.closeSync(out);
    fs.renameSync(`${csv}.part`, csv);
  }
  fs.writeFileSync(path.join(dir, 'agent.json'), `${JSON.stringify(BENCH_AGENT, null, 2)}\n`);
  return dir;
}

// --- a child process, measured ---------------------------------------------------------------------

interface Measured {
  spawnedAt: number;
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** performance.now() when the signal was sent and when the process exited (stop phase). */
  signalledAt?: number;
  exitedAt: number;
}

/** Runs the CLI; `whileRunning` may signal it (it gets the pid) and resolves when it has. */
function runCli(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (pid: number) => Promise<number | undefined>): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const spawnedAt = Date.now();
    const started = performance.now();
    const child = spawn(NODE, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-(1 << 16))));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    let peak = 0;
    const sampler = setInterval(() => {
      const kb = vmHwmKb(child.pid!);
      if (kb !== undefined && kb > peak) peak = kb;
    }, 20);
    let signalledAt: number | undefined;
    if (whileRunning) void whileRunning(child.pid!).then((at) => (signalledAt = at));
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitedAt = performance.now();
      clearInterval(sampler);
      resolve({ spawnedAt, wallMs: exitedAt - started, cpuMs: childrenCpuMs() - cpuBefore, peakRssKb: peak, code, stdout, stderr, signalledAt, exitedAt });
    });
  });
}

/** The test server in its own process; stop() resolves to when it saw the first request. */
function startSim(): Promise<{ url: string; stop(): Promise<{ firstRequestAt: number | null }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, 'electron', 'core', 'simulator', 'main.ts'), '--port', '0', '--latency', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it listened`)));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const first = buf === '' || !buf.includes('\n');
      buf += d;
      if (!first || !buf.includes('\n')) return;
      child.removeAllListeners('exit');
      resolve({
        url: buf.slice(0, buf.indexOf('\n')).trim(),
        stop: () =>
          new Promise((done) => {
            child.once('close', () => {
              try {
                done(JSON.parse(buf.trim().split('\n').at(-1)!) as { firstRequestAt: number | null });
              } catch {
                done({ firstRequestAt: null });
              }
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

function cliEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: url, OPENAI_API_KEY: 'sk-bench', NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  return env;
}

// --- the phases ------------------------------------------------------------------------------------

interface RunFigures {
  toFirstRequestMs: number;
  wallMs: number;
  cpuMsPerItem: number;
  peakRssMb: number;
}

async function runPhase(n: number, caseDir: string, dbPath: string): Promise<RunFigures> {
  fs.rmSync(path.dirname(dbPath), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const sim = await startSim();
  let m: Measured;
  let times: { firstRequestAt: number | null };
  try {
    const out = path.join(path.dirname(dbPath), 'results.jsonl');
    const args = ['run', path.join(caseDir, 'items.csv'), '--agent', path.join(caseDir, 'agent.json'), '--db', dbPath, '--batch-size', String(BATCH), '--out', out, '--json', ...CACHE_FLAG];
    m = await runCli(args, cliEnv(sim.url));
  } finally {
    times = await sim.stop();
  }
  const summary = JSON.parse(m.stdout.trim().split('\n').at(-1) ?? '{}') as { done?: number; failed?: number };
  if (m.code !== 0 || summary.done !== n) throw new Error(`the run did not finish (exit ${m.code}, ${summary.done} done): ${m.stderr.slice(-600)}`);
  return {
    toFirstRequestMs: times.firstRequestAt === null ? NaN : times.firstRequestAt - m.spawnedAt,
    wallMs: m.wallMs,
    cpuMsPerItem: m.cpuMs / n,
    peakRssMb: m.peakRssKb / 1024,
  };
}

interface ReviewFigures {
  firstPageMs: number;
  lastPageMs: number;
  statusFilterMs: number;
  searchMs: number;
  searchHits: number;
}

/** The Results screen's calls through the core's handlers, in a fresh core over the finished run. */
async function reviewPhase(n: number, dbPath: string, runs: number): Promise<ReviewFigures> {
  const samples: ReviewFigures[] = [];
  for (let r = 0; r < runs; r++) {
    const core = createCore({ dbPath, front: 'served', keyStore: createMemoryKeyStore({}) });
    try {
      const timed = async (query: Record<string, unknown>): Promise<{ ms: number; total: number; rows: number }> => {
        const t0 = performance.now();
        const res = (await core.dispatch('items:page', { runId: '1', limit: PAGE, ...query })) as { total: number; rows: unknown[] };
        return { ms: performance.now() - t0, total: res.total, rows: res.rows.length };
      };
      const t0 = performance.now();
      await core.dispatch('run:get', { runId: '1' });
      const first = await timed({ offset: 0 });
      const firstPageMs = performance.now() - t0;
      if (first.total !== n || first.rows !== Math.min(PAGE, n)) throw new Error(`the first page has ${first.rows} of ${first.total} rows`);
      const last = await timed({ offset: n - PAGE });
      if (last.rows !== PAGE) throw new Error(`the last page has ${last.rows} rows`);
      const filtered = await timed({ offset: 0, status: 'done' });
      if (filtered.total < 1 || filtered.total > n) throw new Error(`the status filter counts ${filtered.total}`);
      // A word of one row's question ("item 777777 in"), as a user looks up a ticket.
      const needle = `item ${Math.floor(n * 0.777777)} in`;
      const found = await timed({ offset: 0, search: needle });
      if (found.total < 1) throw new Error(`the search for "${needle}" found nothing`);
      samples.push({ firstPageMs, lastPageMs: last.ms, statusFilterMs: filtered.ms, searchMs: found.ms, searchHits: found.total });
    } finally {
      await core.close();
    }
  }
  const pick = (k: keyof ReviewFigures) => median(samples.map((s) => s[k]));
  return { firstPageMs: pick('firstPageMs'), lastPageMs: pick('lastPageMs'), statusFilterMs: pick('statusFilterMs'), searchMs: pick('searchMs'), searchHits: pick('searchHits') };
}

async function exportPhase(n: number, dbPath: string): Promise<{ wallMs: number; peakRssMb: number; rows: string }> {
  const out = path.join(path.dirname(dbPath), 'results.xlsx');
  fs.rmSync(out, { force: true });
  const m = await runCli(['export', '1', '--db', dbPath, '--out', out], cliEnv('http://127.0.0.1:9'));
  if (m.code !== 0) throw new Error(`the export failed (exit ${m.code}): ${m.stderr.slice(-600)}`);
  const said = /Exported ([\d,]+) rows/.exec(m.stdout)?.[1] ?? '?';
  if (said.replace(/,/g, '') !== String(n)) throw new Error(`the export wrote ${said} rows, not ${n}`);
  return { wallMs: m.wallMs, peakRssMb: m.peakRssKb / 1024, rows: said };
}

/** Waits until the run in dbPath has answered `done` items; polls the file read-only, as any reader could. */
async function untilDone(dbPath: string, done: number, pid: number): Promise<void> {
  for (;;) {
    if (!fs.existsSync(`/proc/${pid}`)) throw new Error('the run exited before it could be stopped');
    if (fs.existsSync(dbPath)) {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        try {
          const r = db.prepare(`SELECT done FROM run_counts WHERE run_id = 1`).get() as { done: number } | undefined;
          if (r && r.done >= done) return;
        } finally {
          db.close();
        }
      } catch {
        // not created yet, or busy: look again
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopPhase(caseDir: string, dbPath: string): Promise<{ stopMs: number; status: string; toFirstRequestMs: number }> {
  fs.rmSync(path.dirname(dbPath), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const sim = await startSim();
  let m: Measured;
  let times: { firstRequestAt: number | null };
  try {
    const args = ['run', path.join(caseDir, 'items.csv'), '--agent', path.join(caseDir, 'agent.json'), '--db', dbPath, '--batch-size', String(BATCH), '--json', ...CACHE_FLAG];
    m = await runCli(args, cliEnv(sim.url), async (pid) => {
      await untilDone(dbPath, STOP_AFTER_DONE, pid);
      const at = performance.now();
      process.kill(pid, 'SIGINT');
      return at;
    });
  } finally {
    times = await sim.stop();
  }
  if (m.signalledAt === undefined) throw new Error(`the run ended before it was stopped (exit ${m.code}): ${m.stderr.slice(-600)}`);
  const db = new Database(dbPath, { readonly: true });
  const status = (db.prepare(`SELECT status FROM runs WHERE id = 1`).get() as { status: string }).status;
  db.close();
  return { stopMs: m.exitedAt - m.signalledAt, status, toFirstRequestMs: times.firstRequestAt === null ? NaN : times.firstRequestAt - m.spawnedAt };
}

// --- main ------------------------------------------------------------------------------------------

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    phases: { type: 'string', default: 'run,review,export,stop' },
    json: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    /** The runs with the response cache off (`rowrunner run --no-cache`): what the cache costs a run. */
    'no-cache': { type: 'boolean', default: false },
  },
});
const n = Number(values.items);
const runs = Number(values.runs);
const phases = new Set(values.phases.split(',').map((s) => s.trim()));
const CACHE_FLAG = values['no-cache'] ? ['--no-cache'] : [];
if (!Number.isInteger(n) || n < 1000) throw new Error('--items needs an integer of at least 1000');
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
if (!values['no-build']) execFileSync(NODE, [path.join(ROOT, 'electron', 'core', 'runs', 'worker-bundle.ts')], { stdio: 'inherit' });
const caseDir = prepare(n);
const dbPath = path.join(caseDir, 'run', 'rowrunner.db');
const stopDb = path.join(caseDir, 'stop', 'rowrunner.db');
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()}] ${s}`);
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const result: Record<string, unknown> = { items: n, runs, node: process.version, cpus: os.cpus().length, loadBefore: loadavg() };
const lines: string[] = [];

if (phases.has('run')) {
  const all: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runPhase(n, caseDir, dbPath);
    log(`run ${i + 1}: first request ${fmt(r.toFirstRequestMs)} ms, wall ${fmt(r.wallMs / 1000, 1)} s, CPU ${fmt(r.cpuMsPerItem, 3)} ms/item, peak RSS ${fmt(r.peakRssMb)} MB`);
    all.push(r);
  }
  const pick = (k: keyof RunFigures) => median(all.map((x) => x[k]));
  const run = { toFirstRequestMs: pick('toFirstRequestMs'), wallMs: pick('wallMs'), cpuMsPerItem: pick('cpuMsPerItem'), peakRssMb: pick('peakRssMb') };
  result.run = run;
  lines.push(
    `run:    start → first request ${fmt(run.toFirstRequestMs)} ms; wall ${fmt(run.wallMs / 1000, 1)} s (${fmt(n / (run.wallMs / 1000))} items/s); ` +
      `CPU ${fmt(run.cpuMsPerItem, 3)} ms/item; peak RSS ${fmt(run.peakRssMb)} MB`,
  );
}
if (phases.has('review')) {
  if (!fs.existsSync(dbPath)) throw new Error('review needs the run phase first (its database is gone)');
  const r = await reviewPhase(n, dbPath, runs);
  result.review = r;
  lines.push(
    `review: open + first page ${fmt(r.firstPageMs, 1)} ms; last page ${fmt(r.lastPageMs, 1)} ms; status filter ${fmt(r.statusFilterMs, 1)} ms; ` +
      `text search ${fmt(r.searchMs, 1)} ms (${r.searchHits} hits)`,
  );
}
if (phases.has('export')) {
  if (!fs.existsSync(dbPath)) throw new Error('export needs the run phase first (its database is gone)');
  const all: Array<{ wallMs: number; peakRssMb: number; rows: string }> = [];
  for (let i = 0; i < runs; i++) {
    all.push(await exportPhase(n, dbPath));
    log(`export ${i + 1}: ${all.at(-1)!.rows} rows, wall ${fmt(all.at(-1)!.wallMs / 1000, 1)} s, peak RSS ${fmt(all.at(-1)!.peakRssMb)} MB`);
  }
  const ex = { wallMs: median(all.map((x) => x.wallMs)), peakRssMb: median(all.map((x) => x.peakRssMb)), rows: all[0].rows };
  result.export = ex;
  lines.push(`export: xlsx of ${ex.rows} rows in ${fmt(ex.wallMs / 1000, 1)} s, peak RSS ${fmt(ex.peakRssMb)} MB`);
}
if (phases.has('stop')) {
  const all: Array<{ stopMs: number; status: string; toFirstRequestMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    all.push(await stopPhase(caseDir, stopDb));
    log(`stop ${i + 1}: ${fmt(all.at(-1)!.stopMs)} ms, ${all.at(-1)!.status} (first request ${fmt(all.at(-1)!.toFirstRequestMs)} ms after the start)`);
  }
  const stop = { stopMs: median(all.map((x) => x.stopMs)), status: all.map((x) => x.status).join(', '), toFirstRequestMs: median(all.map((x) => x.toFirstRequestMs)) };
  result.stop = stop;
  lines.push(`stop:   SIGINT after ${fmt(STOP_AFTER_DONE)} answers → exit ${fmt(stop.stopMs)} ms (${stop.status}); that run's start → first request ${fmt(stop.toFirstRequestMs)} ms`);
}
result.loadAfter = loadavg();
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`million: N ${fmt(n)}, batch size ${BATCH}, test server at 0 ms; medians of ${runs}; ${os.cpus().length} CPUs, Node ${process.version}`);
  console.log(`load average (1, 5, 15 min) before ${result.loadBefore as string}, after ${result.loadAfter as string}`);
  for (const l of lines) console.log(l);
}
fs.rmSync(path.join(caseDir, 'stop'), { recursive: true, force: true });
process.exit(0);
