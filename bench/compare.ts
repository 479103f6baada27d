// Rowrunner beside the tools a user would pick instead: promptfoo, LangChain.js and a hand-written
// openai + p-limit script, on one workload, one after another on the same machine.
//
//   npm run bench                                  every case, every contender, 3 runs each → bench/results.md
//   npm run bench -- --quick                       smaller N, 1 run each (a fast check)
//   npm run bench -- --case overhead --contender rowrunner,script --runs 1
//   options: --case NAME[,NAME]  --contender NAME[,NAME]  --runs N  --timeout SECONDS  --results FILE
//            --no-build (Rowrunner's run worker as out/cli holds it, or from source if none is fresh)
//
// Workload: N items from a CSV, one prompt each with a structured answer (a tool `answer` with
// {answer: string, confidence: number}), against the simulator (its own process) at latency L, with
// concurrency C. Each contender is a child process; its figures:
// - wall: from spawn to exit (start-up, reading the CSV, writing results included);
// - CPU: user + system of the child and anything it waited for, from this process's cutime/cstime
//   (/proc/self/stat) before and after; the simulator is still running then, so its CPU is not in it;
// - peak RSS: the child's VmHWM (/proc/PID/status), read every 20 ms until it exits.
// Peers install into bench/peers/ on demand (their own package.json and lockfile), never into the app.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ANSWER_PARAMETERS, BENCH_AGENT, SYSTEM } from './workload.ts';
import { childrenCpuMs, vmHwmKb } from './child-measure.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PEERS = path.join(ROOT, 'bench', 'peers');
const WORK = path.join(ROOT, 'bench', 'work', 'compare');
const NODE = process.execPath;
const API_KEY = 'sk-bench';

interface Case {
  name: string;
  what: string;
  n: number;
  c: number;
  l: number;
}

const CASES: Case[] = [
  { name: 'latency-100', what: 'waiting on the model', n: 5000, c: 64, l: 100 },
  { name: 'latency-50', what: 'low concurrency', n: 2000, c: 8, l: 50 },
  { name: 'overhead', what: 'pure overhead', n: 20_000, c: 256, l: 0 },
  { name: 'memory', what: 'memory at scale', n: 100_000, c: 256, l: 0 },
];
const QUICK_N: Record<string, number> = { 'latency-100': 640, 'latency-50': 160, overhead: 4000, memory: 10_000 };


interface Launch {
  args: string[];
  env?: Record<string, string>;
  cwd: string;
}

interface Contender {
  name: string;
  label: string;
  peer: boolean;
  launch(c: Case, dir: string, caseDir: string, baseURL: string): Launch;
  /** Items answered, read from what the run left behind; a run with fewer than N counts as failed. */
  answered(c: Case, dir: string, stdout: string): number;
}

function countJsonl(file: string, ok: (row: Record<string, unknown>) => boolean): number {
  if (!fs.existsSync(file)) return 0;
  let n = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      if (ok(JSON.parse(line) as Record<string, unknown>)) n++;
    } catch {
      // a broken line is not an answer
    }
  }
  return n;
}

const hasAnswer = (r: Record<string, unknown>) => typeof r.answer === 'string' && typeof r.confidence === 'number';

const CONTENDERS: Contender[] = [
  {
    name: 'rowrunner',
    label: 'Rowrunner CLI',
    peer: false,
    launch: (c, dir, caseDir) => ({
      cwd: dir,
      args: [
        path.join(ROOT, 'bin', 'rowrunner.js'),
        'run',
        path.join(caseDir, 'items.csv'),
        '--agent',
        path.join(caseDir, 'agent.json'),
        '--db',
        path.join(dir, 'rowrunner.db'),
        '--batch-size',
        String(c.c),
        '--out',
        path.join(dir, 'results.jsonl'),
        '--json',
      ],
    }),
    answered(_c, dir, stdout) {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const summary = JSON.parse(last) as { done?: number; failed?: number };
        if (summary.failed !== 0) return summary.done ?? 0;
      } catch {
        return 0;
      }
      return countJsonl(path.join(dir, 'results.jsonl'), (r) => r._status === 'done' && hasAnswer(r));
    },
  },
  {
    name: 'script',
    label: 'openai + p-limit script',
    peer: true,
    launch: (c, dir, caseDir) => ({
      cwd: dir,
      args: [path.join(PEERS, 'script.mjs'), path.join(caseDir, 'items.csv'), '--concurrency', String(c.c), '--out', path.join(dir, 'results.jsonl')],
    }),
    answered: (_c, dir) => countJsonl(path.join(dir, 'results.jsonl'), hasAnswer),
  },
  {
    name: 'langchain',
    label: 'LangChain.js batch()',
    peer: true,
    launch: (c, dir, caseDir) => ({
      cwd: dir,
      args: [path.join(PEERS, 'langchain.mjs'), path.join(caseDir, 'items.csv'), '--concurrency', String(c.c), '--out', path.join(dir, 'results.jsonl')],
    }),
    answered: (_c, dir) => countJsonl(path.join(dir, 'results.jsonl'), hasAnswer),
  },
  {
    name: 'promptfoo',
    label: 'promptfoo eval',
    peer: true,
    launch(c, dir, caseDir, baseURL) {
      const config = {
        description: `bench ${c.name}`,
        prompts: [JSON.stringify([{ role: 'system', content: SYSTEM }, { role: 'user', content: '{{question}}' }])],
        providers: [
          {
            id: 'openai:chat:gpt-4o-mini',
            config: { apiBaseUrl: baseURL, tools: [{ type: 'function', function: { name: 'answer', description: 'The answer.', parameters: ANSWER_PARAMETERS } }] },
          },
        ],
        tests: `file://${path.join(caseDir, 'items.csv')}`,
      };
      fs.writeFileSync(path.join(dir, 'promptfooconfig.json'), JSON.stringify(config, null, 2));
      return {
        cwd: dir,
        args: [
          path.join(PEERS, 'node_modules', 'promptfoo', 'dist', 'src', 'entrypoint.js'),
          'eval',
          '-c',
          path.join(dir, 'promptfooconfig.json'),
          '-j',
          String(c.c),
          '--no-cache',
          '--no-table',
          '--no-progress-bar',
          '--no-share',
          '-o',
          path.join(dir, 'results.jsonl'),
        ],
        // Its results database, logs and settings in the run's folder; no telemetry, update checks or sharing.
        env: {
          PROMPTFOO_CONFIG_DIR: path.join(dir, 'promptfoo-home'),
          PROMPTFOO_DISABLE_TELEMETRY: '1',
          PROMPTFOO_DISABLE_UPDATE: '1',
          PROMPTFOO_DISABLE_SHARING: '1',
          PROMPTFOO_DISABLE_REMOTE_GENERATION: '1',
          PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION: '1',
        },
      };
    },
    answered: (_c, dir) =>
      countJsonl(path.join(dir, 'results.jsonl'), (r) => {
        const out = (r.response as { output?: unknown } | undefined)?.output;
        if (!Array.isArray(out) || out.length === 0) return false;
        const args = (out[0] as { function?: { arguments?: string } }).function?.arguments;
        try {
          return typeof args === 'string' && hasAnswer(JSON.parse(args) as Record<string, unknown>);
        } catch {
          return false;
        }
      }),
  },
];

// --- measuring a child ---------------------------------------------------------------------------

interface Measured {
  /** Date.now() at spawn and at exit, to set beside the simulator's times. */
  spawnedAt: number;
  exitedAt: number;
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderrTail: string;
}

/** What runs now, to be stopped if the benchmark is interrupted. */
const running = new Set<{ kill(): void }>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const r of running) r.kill();
    process.exit(130);
  });
}

function measure(launch: Launch, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const spawnedAt = Date.now();
    const started = performance.now();
    // Its own process group, so that a timeout stops whatever it started too.
    const child = spawn(NODE, launch.args, { cwd: launch.cwd, env: { ...env, ...launch.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const handle = {
      kill() {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      },
    };
    running.add(handle);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 19));
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    let peak = 0;
    const sample = () => {
      const kb = child.pid ? vmHwmKb(child.pid) : undefined;
      if (kb !== undefined && kb > peak) peak = kb;
    };
    const sampler = setInterval(sample, 20);
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      handle.kill();
    }, timeoutMs);
    let exitedAt = 0;
    let wallMs = 0;
    let cpuMs = 0;
    let code: number | null = null;
    child.once('error', reject);
    child.once('exit', (c) => {
      wallMs = performance.now() - started;
      exitedAt = Date.now();
      cpuMs = childrenCpuMs() - cpuBefore;
      code = c;
      clearInterval(sampler);
      clearTimeout(killer);
      running.delete(handle);
    });
    child.once('close', () => resolve({ spawnedAt, exitedAt, wallMs, cpuMs, peakRssKb: peak, code, timedOut, stdout, stderrTail: stderr }));
  });
}

// --- the simulator, in its own process -----------------------------------------------------------

/** When (Date.now()) the simulator saw the first request and sent the last answer; null if it never did. */
interface SimTimes {
  firstRequestAt: number | null;
  lastAnswerAt: number | null;
}

interface Sim {
  url: string;
  /** Stops it; resolves to the times it printed as it stopped. */
  stop(): Promise<SimTimes>;
}

function startSim(latencyMs: number): Promise<Sim> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, 'electron', 'core', 'simulator', 'main.ts'), '--port', '0', '--latency', String(latencyMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the simulator did not start within 20 s'));
    }, 20_000);
    const handle = { kill: () => child.kill('SIGKILL') };
    running.add(handle);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it listened`)));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const url = buf.slice(0, nl).trim();
      const times = (): SimTimes => {
        try {
          return JSON.parse(buf.trim().split('\n').at(-1)!) as SimTimes;
        } catch {
          return { firstRequestAt: null, lastAnswerAt: null };
        }
      };
      resolve({
        url,
        stop: () =>
          new Promise<SimTimes>((done) => {
            if (child.exitCode !== null) return done(times());
            const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('close', () => {
              clearTimeout(hard);
              running.delete(handle);
              done(times());
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

// --- set-up --------------------------------------------------------------------------------------

function peersInstalled(): boolean {
  const pkg = JSON.parse(fs.readFileSync(path.join(PEERS, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.entries(pkg.dependencies).every(([name, version]) => {
    try {
      const installed = JSON.parse(fs.readFileSync(path.join(PEERS, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      return installed.version === version;
    } catch {
      return false;
    }
  });
}

function installPeers(): void {
  if (peersInstalled()) return;
  const lock = fs.existsSync(path.join(PEERS, 'package-lock.json'));
  console.error(`Installing the peers into bench/peers (npm ${lock ? 'ci' : 'install'}; a few minutes the first time)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, [lock ? 'ci' : 'install', '--prefix', PEERS, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', env: process.env });
}

function peerVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PEERS, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function prepareCase(c: Case): string {
  const dir = path.join(WORK, `${c.name}-${c.n}`);
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, 'items.csv');
  if (!fs.existsSync(csv)) {
    const topics = ['physics', 'history', 'geography', 'literature', 'biology', 'music', 'chemistry', 'art'];
    const lines = ['id,question'];
    for (let i = 0; i < c.n; i++) lines.push(`${i},What is notable about item ${i} in ${topics[i % topics.length]}?`);
    fs.writeFileSync(`${csv}.part`, `${lines.join('\n')}\n`);
    fs.renameSync(`${csv}.part`, csv);
  }
  fs.writeFileSync(path.join(dir, 'agent.json'), `${JSON.stringify(BENCH_AGENT, null, 2)}\n`);
  return dir;
}

// --- running and reporting -----------------------------------------------------------------------

interface RunResult {
  ok: boolean;
  note?: string;
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  /** From spawn to the first request the simulator saw, and from its last answer to the exit. */
  toFirstRequestMs?: number;
  afterLastAnswerMs?: number;
}

interface Row {
  c: Case;
  contender: Contender;
  runs: RunResult[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function loadavg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

async function runContender(c: Case, caseDir: string, contender: Contender, run: number, timeoutMs: number): Promise<RunResult> {
  const dir = path.join(caseDir, `${contender.name}-${run}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const sim = await startSim(c.l);
  let m: Measured;
  let times: SimTimes;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: API_KEY, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    m = await measure(contender.launch(c, dir, caseDir, sim.url), env, timeoutMs);
  } finally {
    times = await sim.stop();
  }
  const base: RunResult = { ok: false, wallMs: m.wallMs, cpuMs: m.cpuMs, peakRssKb: m.peakRssKb };
  if (times.firstRequestAt !== null) base.toFirstRequestMs = times.firstRequestAt - m.spawnedAt;
  if (times.lastAnswerAt !== null) base.afterLastAnswerMs = m.exitedAt - times.lastAnswerAt;
  let result: RunResult;
  if (m.timedOut) result = { ...base, ok: false, note: `timed out after ${Math.round(timeoutMs / 1000)} s` };
  else {
    const answered = contender.answered(c, dir, m.stdout);
    if (m.code !== 0 || answered !== c.n) {
      const why = m.stderrTail.trim().split('\n').slice(-3).join(' | ');
      result = { ...base, ok: false, note: `exit ${m.code}, ${answered} of ${c.n} answered${why ? `: ${why.slice(0, 300)}` : ''}` };
    } else result = { ...base, ok: true };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

function fmt(x: number, digits: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Where each contender's fixed costs are: before its first request, and after its last answer (medians of the runs that finished). */
function edgesTable(rows: Row[]): string {
  const out = ['| Case | Contender | Start to first request, ms | Last answer to exit, ms |', '|---|---|--:|--:|'];
  for (const r of rows) {
    const ok = r.runs.filter((x) => x.ok);
    const first = ok.flatMap((x) => (x.toFirstRequestMs === undefined ? [] : [x.toFirstRequestMs]));
    const last = ok.flatMap((x) => (x.afterLastAnswerMs === undefined ? [] : [x.afterLastAnswerMs]));
    if (first.length === 0 && last.length === 0) continue;
    const cell = (xs: number[]) => (xs.length ? fmt(median(xs), 0) : '');
    out.push(`| ${r.c.name} | ${r.contender.label} | ${cell(first)} | ${cell(last)} |`);
  }
  return out.join('\n');
}

function table(rows: Row[]): string {
  const out: string[] = [];
  const header =
    '| Case | Contender | Wall s | Items/s | Efficiency | CPU ms/item | Peak RSS MB | Wall × Rowrunner | CPU × Rowrunner | RSS × Rowrunner | Runs |';
  const rule = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|';
  out.push(header, rule);
  const stats = (r: Row) => {
    const ok = r.runs.filter((x) => x.ok);
    if (ok.length === 0) return undefined;
    return { wall: median(ok.map((x) => x.wallMs)), cpu: median(ok.map((x) => x.cpuMs)), rss: median(ok.map((x) => x.peakRssKb)), ok: ok.length };
  };
  for (const r of rows) {
    const s = stats(r);
    const c = r.c;
    const caseCell = `${c.name} (N ${c.n.toLocaleString('en-US')}, C ${c.c}, L ${c.l} ms)`;
    const runsCell =
      r.runs.length === 0
        ? 'skipped'
        : r.runs.every((x) => x.ok)
          ? `${r.runs.length} ok`
          : r.runs.map((x) => (x.ok ? 'ok' : (x.note ?? 'failed'))).join('; ');
    if (!s) {
      out.push(`| ${caseCell} | ${r.contender.label} | ${r.runs.some((x) => x.note?.startsWith('timed out')) ? 'timed out' : 'failed'} | | | | | | | | ${runsCell} |`);
      continue;
    }
    const rate = c.n / (s.wall / 1000);
    const eff = c.l > 0 ? fmt(rate / (c.c / (c.l / 1000)), 3) : 'n/a';
    const base = rows.find((x) => x.c === c && x.contender.name === 'rowrunner');
    const b = base && stats(base);
    const ratio = (x: number, y: number | undefined) => (r.contender.name === 'rowrunner' ? '1' : y ? `${fmt(x / y, 2)}×` : '');
    out.push(
      `| ${caseCell} | ${r.contender.label} | ${fmt(s.wall / 1000, 2)} | ${fmt(rate, 0)} | ${eff} | ${fmt(s.cpu / c.n, 3)} | ${fmt(s.rss / 1024, 0)} | ` +
        `${ratio(s.wall, b?.wall)} | ${ratio(s.cpu, b?.cpu)} | ${ratio(s.rss, b?.rss)} | ${runsCell} |`,
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      case: { type: 'string' },
      contender: { type: 'string' },
      runs: { type: 'string' },
      timeout: { type: 'string' },
      results: { type: 'string' },
      'no-build': { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  const pick = <T extends { name: string }>(all: T[], list: string | undefined, what: string): T[] => {
    if (!list) return all;
    const names = list.split(',').map((s) => s.trim());
    for (const n of names) if (!all.some((x) => x.name === n)) throw new Error(`unknown ${what} "${n}" (known: ${all.map((x) => x.name).join(', ')})`);
    return all.filter((x) => names.includes(x.name));
  };
  const cases = pick(CASES, values.case, 'case').map((c) => (quick ? { ...c, n: QUICK_N[c.name] } : c));
  const contenders = pick(CONTENDERS, values.contender, 'contender');
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  const full = !quick && !values.case && !values.contender && runs === 3 && !values['no-build'];
  const resultsFile = path.resolve(values.results ?? (full ? path.join(ROOT, 'bench', 'results.md') : path.join(WORK, 'results.md')));

  if (contenders.some((c) => c.peer)) installPeers();
  // Rowrunner as an installed copy runs: built (the run worker in one bundled file, `npm run build:cli`),
  // as the peers run their published, built code.
  if (contenders.some((c) => c.name === 'rowrunner') && !values['no-build']) execFileSync(NODE, [path.join(ROOT, 'electron', 'core', 'runs', 'worker-bundle.ts')], { stdio: 'inherit' });
  fs.mkdirSync(WORK, { recursive: true });

  const rows: Row[] = [];
  const loads: string[] = [`start: ${loadavg()}`];
  for (const c of cases) {
    const caseDir = prepareCase(c);
    // A bound on every run: ten times the time the concurrency limit allows plus 10 ms an item, at
    // least two minutes, at most ten.
    const ideal = c.l > 0 ? (c.n * c.l) / c.c : 0;
    const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : Math.min(600_000, Math.max(120_000, 10 * ideal + 10 * c.n));
    console.error(`\n${c.name}: N ${c.n}, C ${c.c}, L ${c.l} ms (load average ${loadavg()})`);
    for (const contender of contenders) {
      const row: Row = { c, contender, runs: [] };
      rows.push(row);
      for (let i = 1; i <= runs; i++) {
        const r = await runContender(c, caseDir, contender, i, timeoutMs);
        row.runs.push(r);
        console.error(
          `  ${contender.name.padEnd(10)} run ${i}: ${r.ok ? 'ok' : r.note}  wall ${fmt(r.wallMs / 1000, 2)} s  ` +
            `CPU ${fmt(r.cpuMs / c.n, 3)} ms/item  peak RSS ${fmt(r.peakRssKb / 1024, 0)} MB  ` +
            `first request ${r.toFirstRequestMs ?? '–'} ms, exit ${r.afterLastAnswerMs ?? '–'} ms after the last answer  (load ${loadavg()})`,
        );
        // A contender that timed out once is not run again in this case: it would only time out again.
        if (r.note?.startsWith('timed out')) break;
      }
    }
    loads.push(`after ${c.name}: ${loadavg()}`);
  }

  const cpus = os.cpus();
  const md = [
    '# Rowrunner beside its peers',
    '',
    `Generated by \`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}. ` +
      `Load average (1, 5, 15 min) ${loads.join('; ')}.`,
    '',
    `Peers: promptfoo ${peerVersion('promptfoo')}, @langchain/openai ${peerVersion('@langchain/openai')} (@langchain/core ${peerVersion('@langchain/core')}), ` +
      `openai ${peerVersion('openai')} + p-limit ${peerVersion('p-limit')}.`,
    '',
    `Each figure is the median of ${runs} run${runs === 1 ? '' : 's'}, contenders one after another, each against a fresh simulator in its own process. ` +
      'Wall time counts the whole command, start-up and writing results included. Efficiency = items/s ÷ (C / L), the limit the concurrency allows (n/a at L 0). ' +
      "CPU is the contender process's user + system time (all its threads), divided by N; peak RSS its VmHWM. The × columns are the peer's figure over Rowrunner's: above 1, Rowrunner is ahead.",
    '',
    'Rowrunner: `rowrunner run items.csv --agent agent.json --db DB --batch-size C --out results.jsonl --json` (every item and call persisted in SQLite), ' +
      'after `npm run build:cli` (its run worker bundled into one file, as the peers run their published builds). ' +
      'promptfoo: `promptfoo eval -c config -j C --no-cache -o results.jsonl` (the CSV as its tests, results in its SQLite). ' +
      'LangChain.js: `ChatOpenAI.withStructuredOutput(…).batch(inputs, { maxConcurrency: C })`. Script: openai SDK + p-limit(C). ' +
      'The last three write a JSON-lines file at the end.',
    '',
    table(rows),
    '',
    "Where each command's fixed costs lie: from its start to the first request the test server saw (loading, reading the CSV, " +
      'for Rowrunner also storing it and creating the run), and from the last answer the server sent to the exit (for Rowrunner, ' +
      'the last writes and the export). Medians; the time between is spent sending.',
    '',
    edgesTable(rows),
    '',
  ].join('\n');
  console.log(`\n${table(rows)}\n`);
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  // bench/million.ts's figures (a case the peers cannot finish) are a section of their own: kept.
  const previous = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : '';
  const million = previous.indexOf('\n## A million rows');
  fs.writeFileSync(resultsFile, million >= 0 ? `${md}${previous.slice(million)}` : md);
  console.error(`Wrote ${path.relative(process.cwd(), resultsFile)}`);
}

await main();
