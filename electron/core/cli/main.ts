// The rowrunner command: run, resume, retry-failed, export, runs, simulate (and serve, the web UI). It drives the same runs
// service as the desktop app, on the same database by default. See usage.ts for the contract.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RunProgress } from '../../../shared/contract.ts';
import type { RunOptionsInput, RunStatus } from '../../../shared/domain.ts';
import { missingColumns, TemplateError, templateColumns } from '../../../shared/template.ts';
import { promptColumnsMessage } from '../../../shared/validation.ts';
import { CallError } from '../errors.ts';
import { CsvImportError, previewCsv } from '../io/csv/index.ts';
import { createRunService, type RunInfo, type RunService, type StartOptions } from '../runs/service.ts';
import { cliWorkerUrl } from '../runs/worker-bundle.ts';
import { DatabaseVersionError } from '../store/db.ts';
import { defaultDbPath } from '../store/paths.ts';
import { loadAgentFile } from './agent-file.ts';
import { EXIT, UsageError } from './errors.ts';
import { createProgressView, duration, money } from './progress.ts';
import { USAGE } from './usage.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Registers a Ctrl-C handler; returns its remover. */
  onInterrupt(handler: () => void): () => void;
}

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const BUDGET: Options = {
  'max-cost': { type: 'string' },
  'max-tokens': { type: 'string' },
};
const RUN_OPTIONS: Options = {
  ...COMMON,
  ...BUDGET,
  agent: { type: 'string' },
  out: { type: 'string' },
  'batch-size': { type: 'string' },
  sequential: { type: 'boolean' },
  turns: { type: 'string' },
  'on-error': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
};
const RESUME_OPTIONS: Options = { ...COMMON, ...BUDGET, out: { type: 'string' } };
const EXPORT_OPTIONS: Options = { db: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
const RUNS_OPTIONS: Options = COMMON;
const SIMULATE_OPTIONS: Options = { port: { type: 'string' }, latency: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

type Values = Record<string, string | boolean | undefined>;

function parse(command: string, args: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '.')}`);
  }
}

function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

function number(v: Values, name: string, kind: 'int' | 'positive-int' | 'positive' | 'turns'): number | undefined {
  const raw = str(v, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(n) &&
    (kind === 'positive' ? n > 0 : kind === 'positive-int' ? Number.isInteger(n) && n > 0 : kind === 'turns' ? Number.isInteger(n) && n >= -1 && n !== 0 : Number.isInteger(n));
  if (!ok) {
    const want = { int: 'an integer', 'positive-int': 'a positive integer', positive: 'a positive number', turns: '-1 (no limit) or an integer ≥ 1' }[kind];
    throw new UsageError(`--${name} needs ${want}, got "${raw}"`);
  }
  return n;
}

const FORMATS = { '.xlsx': 'xlsx', '.csv': 'csv', '.jsonl': 'jsonl' } as const;

/** Checks --out before anything runs: a known extension, a folder that exists. */
function checkOut(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!file.trim()) throw new UsageError('--out needs a file name');
  const ext = path.extname(file).toLowerCase();
  if (!(ext in FORMATS)) throw new UsageError(`--out ${file}: the name must end in .xlsx, .csv or .jsonl (the format follows it)`);
  const full = path.resolve(file);
  const parent = path.dirname(full);
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) throw new UsageError(`--out ${file}: the folder ${parent} does not exist`);
  if (fs.existsSync(full) && fs.statSync(full).isDirectory()) throw new UsageError(`--out ${file}: is a folder`);
  return full;
}

function runIdArg(command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`${command}: which run? Give its RUN_ID (see \`rowrunner runs\`)`);
  if (positionals.length > 1) throw new UsageError(`${command}: one RUN_ID expected, got ${positionals.join(' ')}`);
  const id = positionals[0];
  if (!/^\d+$/.test(id)) throw new UsageError(`${command}: RUN_ID must be a number (see \`rowrunner runs\`), got "${id}"`);
  return id;
}

function openService(v: Values, env: CliIo['env']): RunService {
  const db = str(v, 'db') ?? defaultDbPath(env);
  try {
    return createRunService({ dbPath: db, apiKey: () => env.OPENAI_API_KEY, tuneHeapForWorkers: true, workerUrl: cliWorkerUrl() });
  } catch (err) {
    if (err instanceof DatabaseVersionError) throw new UsageError(err.message);
    throw new UsageError(`--db ${db}: cannot open the database: ${(err as Error).message}`);
  }
}

/** An agent without a baseURL, no OPENAI_BASE_URL and no key would fail every item with a 401. */
function checkKey(baseURL: string | undefined, env: CliIo['env']): void {
  if (!baseURL && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) {
    throw new UsageError(
      'OPENAI_API_KEY is not set, and neither the agent (baseURL) nor OPENAI_BASE_URL names another endpoint. ' +
        'Set OPENAI_API_KEY, or point OPENAI_BASE_URL at a compatible server (`rowrunner simulate` starts an offline one).',
    );
  }
}

interface Outcome {
  info: RunInfo;
  wallMs: number;
  out?: string;
}

function exitCodeOf(status: RunStatus): number {
  if (status === 'completed') return EXIT.ok;
  if (status === 'stopped-budget') return EXIT.budget;
  return EXIT.stopped;
}

function jsonOf(o: Outcome): Record<string, unknown> {
  const t = o.info.totals;
  return {
    runId: o.info.runId,
    status: o.info.status,
    items: t.items,
    done: t.done,
    failed: t.failed,
    // Items that did not run: never started, handed back by a cancel, or skipped by a stop. They stay resumable.
    skipped: t.items - t.done - t.failed,
    promptTokens: t.promptTokens,
    completionTokens: t.completionTokens,
    costUsd: t.costUsd,
    wallMs: o.wallMs,
    error: o.info.error,
    ...(o.out ? { out: o.out } : {}),
  };
}

/** Runs a started run to its end with live progress; Ctrl-C cancels it (twice: quit at once). */
async function follow(svc: RunService, runId: string, io: CliIo, started: number): Promise<RunInfo> {
  const view = createProgressView(io.stderr, Boolean(io.stderr.isTTY));
  let failuresShown = 0;
  const unsubscribe = svc.subscribe(
    (id, e) => {
      if (id !== runId) return;
      if (e.type === 'item-failed') {
        failuresShown++;
        if (failuresShown <= 20) view.note(`row ${e.index + 1} failed: ${e.error.split('\n')[0].slice(0, 300)}`);
        else if (failuresShown === 21) view.note('(more failed items: see the export or the app)');
      }
    },
    { types: ['item-failed'] },
  );
  const offProgress = svc.on('run:progress', (p: RunProgress) => {
    if (p.runId === runId) view.update(p);
  });
  let interrupts = 0;
  const offInterrupt = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      view.note('Cancelling: items in flight go back to pending (Ctrl-C again to quit at once)…');
      svc.cancel(runId).catch(() => {});
    } else {
      io.stderr.write(`\nQuit. Run ${runId} will show as interrupted; \`rowrunner resume ${runId}\` continues it.\n`);
      process.exit(EXIT.stopped);
    }
  });
  try {
    const info = await svc.finished(runId);
    view.end();
    void started;
    return info;
  } finally {
    unsubscribe();
    offProgress();
    offInterrupt();
  }
}

function report(o: Outcome, io: CliIo, json: boolean): void {
  const t = o.info.totals;
  const notRun = t.items - t.done - t.failed;
  const lines = [
    `Run ${o.info.runId} ${o.info.status}: ${t.done} done, ${t.failed} failed, ${notRun} not run, of ${t.items}` +
      ` · ${(t.promptTokens + t.completionTokens).toLocaleString('en-US')} tokens · ${money(t.costUsd)} · ${duration(o.wallMs)}`,
  ];
  if (o.info.error) lines.push(`  ${o.info.error}`);
  if (o.out) lines.push(`  Results: ${o.out}`);
  if (o.info.status !== 'completed' && notRun > 0) lines.push(`  Continue with: rowrunner resume ${o.info.runId}`);
  else if (t.failed > 0) lines.push(`  Retry the failed items with: rowrunner retry-failed ${o.info.runId}`);
  if (json) {
    io.stderr.write(`${lines.join('\n')}\n`);
    io.stdout.write(`${JSON.stringify(jsonOf(o))}\n`);
  } else io.stdout.write(`${lines.join('\n')}\n`);
}

async function exportTo(svc: RunService, runId: string, out: string, io: CliIo): Promise<void> {
  const res = await svc.exportRun(runId, out);
  io.stderr.write(`Exported ${res.rows.toLocaleString('en-US')} rows to ${res.path}\n`);
}

async function cmdRun(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('run', args, RUN_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `run: one ITEMS.csv expected, got ${positionals.join(' ')}` : 'run: which CSV? rowrunner run ITEMS.csv --agent AGENT.json');
  const csv = positionals[0];
  const agentFile = str(v, 'agent');
  if (!agentFile) throw new UsageError('run: --agent AGENT.json is required');
  const onError = str(v, 'on-error');
  if (onError !== undefined && onError !== 'stop' && onError !== 'continue') throw new UsageError(`--on-error must be stop or continue, got "${onError}"`);
  const options: RunOptionsInput = {
    batchSize: number(v, 'batch-size', 'positive-int'),
    sequential: v.sequential === true ? true : undefined,
    turns: number(v, 'turns', 'turns'),
    onError,
    maxCost: number(v, 'max-cost', 'positive'),
    maxTokens: number(v, 'max-tokens', 'positive-int'),
    rpm: number(v, 'rpm', 'positive'),
    tpm: number(v, 'tpm', 'positive'),
  };
  for (const k of Object.keys(options) as (keyof RunOptionsInput)[]) if (options[k] === undefined) delete options[k];
  const out = checkOut(str(v, 'out'));
  const agent = loadAgentFile(agentFile);
  checkKey(agent.baseURL, io.env);

  // The header first (milliseconds even for a huge file): a prompt naming a missing column fails now.
  const shownCsv = path.relative(process.cwd(), path.resolve(csv)) || csv;
  if (!fs.existsSync(csv)) throw new UsageError(`${shownCsv}: no such file`);
  if (fs.statSync(csv).isDirectory()) throw new UsageError(`${shownCsv}: is a folder, not a CSV file`);
  let header: string[];
  try {
    header = (await previewCsv(csv, 1)).info.columns;
  } catch (err) {
    throw csvError(shownCsv, err);
  }
  try {
    templateColumns(agent.prompt);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`${agentFile}: prompt: ${err.message}`);
    throw err;
  }
  const missing = missingColumns(agent.prompt, header);
  if (missing.length) {
    throw new UsageError(`${agentFile}: ${promptColumnsMessage(missing, header, shownCsv)}`);
  }

  const svc = openService(v, io.env);
  // The run's worker thread starts while the CSV is imported.
  svc.prewarm();
  try {
    let datasetId: string;
    try {
      const ds = await svc.importDataset(csv);
      datasetId = ds.id;
      if (ds.rowCount === 0) {
        svc.deleteDataset(ds.id);
        throw new UsageError(`${shownCsv}: a header but no rows: zero items, nothing to run`);
      }
      for (const note of ds.notes) io.stderr.write(`${shownCsv}: ${note}\n`);
    } catch (err) {
      throw csvError(shownCsv, err);
    }
    const baseURL = agent.baseURL ?? io.env.OPENAI_BASE_URL;
    const endpoint = baseURL ? ({ kind: 'custom', baseURL } as const) : ({ kind: 'openai' } as const);
    const run = svc.createRun({ datasetId, agent, options, endpoint });
    io.stderr.write(`Run ${run.runId}: ${run.totals.items.toLocaleString('en-US')} items with agent "${agent.name}" (${agent.model}); database ${svc.dbPath}\n`);
    svc.start(run.runId);
    const info = await follow(svc, run.runId, io, started);
    if (out) await exportTo(svc, run.runId, out, io);
    report({ info, wallMs: Date.now() - started, out }, io, v.json === true);
    return exitCodeOf(info.status);
  } finally {
    await svc.close();
  }
}

function csvError(shown: string, err: unknown): Error {
  if (err instanceof CsvImportError) return new UsageError(`${shown}: ${err.message}`);
  if (err instanceof UsageError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') {
    return new UsageError(`${shown}: ${(err as Error).message}`);
  }
  return err as Error;
}

async function cmdContinue(command: 'resume' | 'retry-failed', args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(command, args, RESUME_OPTIONS);
  if (v.help) return help(io);
  const started = Date.now();
  const runId = runIdArg(command, positionals);
  const out = checkOut(str(v, 'out'));
  const start: StartOptions = {};
  const maxCost = number(v, 'max-cost', 'positive');
  const maxTokens = number(v, 'max-tokens', 'positive-int');
  if (maxCost !== undefined) start.maxCost = maxCost;
  if (maxTokens !== undefined) start.maxTokens = maxTokens;
  const svc = openService(v, io.env);
  try {
    const before = svc.getRun(runId);
    checkKey(before.agent.baseURL, io.env);
    const run = command === 'resume' ? svc.resume(runId, start) : svc.retryFailed(runId, start);
    const t = run.totals;
    io.stderr.write(`Run ${runId}: ${command === 'resume' ? 'resuming' : 'retrying'} ${t.pending.toLocaleString('en-US')} of ${t.items.toLocaleString('en-US')} items (${t.done} already done)\n`);
    const info = await follow(svc, runId, io, started);
    if (out) await exportTo(svc, runId, out, io);
    report({ info, wallMs: Date.now() - started, out }, io, v.json === true);
    return exitCodeOf(info.status);
  } finally {
    await svc.close();
  }
}

async function cmdExport(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('export', args, EXPORT_OPTIONS);
  if (v.help) return help(io);
  const runId = runIdArg('export', positionals);
  const out = checkOut(str(v, 'out'));
  if (!out) throw new UsageError('export: --out FILE is required (.xlsx, .csv or .jsonl)');
  const svc = openService(v, io.env);
  try {
    svc.getRun(runId);
    const res = await svc.exportRun(runId, out);
    io.stdout.write(`Exported ${res.rows.toLocaleString('en-US')} rows of run ${runId} to ${res.path}\n`);
    return EXIT.ok;
  } finally {
    await svc.close();
  }
}

async function cmdRuns(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('runs', args, RUNS_OPTIONS);
  if (v.help) return help(io);
  if (positionals.length) throw new UsageError(`runs: unexpected argument ${positionals[0]}`);
  const svc = openService(v, io.env);
  try {
    const runs = svc.listRuns();
    if (v.json) {
      const list = runs.map((r) => ({
        runId: r.runId,
        name: r.name,
        status: r.status,
        items: r.totals.items,
        done: r.totals.done,
        failed: r.totals.failed,
        skipped: r.totals.items - r.totals.done - r.totals.failed,
        promptTokens: r.totals.promptTokens,
        completionTokens: r.totals.completionTokens,
        costUsd: r.totals.costUsd,
        agent: r.agent.name,
        model: r.agent.model,
        dataset: r.datasetName,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        error: r.error,
      }));
      io.stdout.write(`${JSON.stringify(list)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.stdout.write(`No runs in ${svc.dbPath}\n`);
      return EXIT.ok;
    }
    const rows = [
      ['ID', 'STATUS', 'ITEMS', 'DONE', 'FAILED', 'COST', 'CREATED', 'NAME'],
      ...runs.map((r) => [
        r.runId,
        r.status,
        String(r.totals.items),
        String(r.totals.done),
        String(r.totals.failed),
        money(r.totals.costUsd),
        r.createdAt.slice(0, 16).replace('T', ' '),
        r.name,
      ]),
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) io.stdout.write(`${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}\n`);
    return EXIT.ok;
  } finally {
    await svc.close();
  }
}

async function cmdSimulate(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('simulate', args, SIMULATE_OPTIONS);
  if (v.help) return help(io);
  if (positionals.length) throw new UsageError(`simulate: unexpected argument ${positionals[0]}`);
  const port = number(v, 'port', 'int');
  if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError(`--port must be 0..65535, got ${port}`);
  const latency = number(v, 'latency', 'int');
  if (latency !== undefined && latency < 0) throw new UsageError(`--latency must be ≥ 0, got ${latency}`);
  const { startSimulator } = await import('../simulator/index.ts');
  let sim;
  try {
    sim = await startSimulator({ port: port ?? 0, latencyMs: latency ?? 0 });
  } catch (err) {
    throw new UsageError(`simulate: cannot listen on port ${port}: ${(err as Error).message}`);
  }
  io.stdout.write(`${sim.url}\n`);
  io.stderr.write(
    `Simulated endpoint listening (offline, deterministic answers). In another terminal:\n` +
      `  export OPENAI_BASE_URL=${sim.url} OPENAI_API_KEY=sk-simulated\n` +
      `  rowrunner run resources/samples/questions.csv --agent resources/samples/qa-agent.json\n` +
      `Ctrl-C stops it.\n`,
  );
  const running = sim;
  await new Promise<void>((resolve) => {
    const off = io.onInterrupt(() => {
      off();
      void running.close().then(resolve);
    });
  });
  return EXIT.ok;
}

function help(io: CliIo): number {
  io.stdout.write(USAGE);
  return EXIT.ok;
}

/** Runs one command; resolves to its exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(USAGE);
        return EXIT.badInput;
      case '-h':
      case '--help':
      case 'help':
        return help(io);
      case 'run':
        return await cmdRun(rest, io);
      case 'resume':
      case 'retry-failed':
        return await cmdContinue(command, rest, io);
      case 'export':
        return await cmdExport(rest, io);
      case 'runs':
        return await cmdRuns(rest, io);
      case 'simulate':
        return await cmdSimulate(rest, io);
      case 'serve': {
        const { runServeCommand } = await import('../serve/command.ts');
        return await runServeCommand(rest);
      }
      default:
        throw new UsageError(`unknown command "${command}" (commands: run, resume, retry-failed, export, runs, simulate, serve; see rowrunner --help)`);
    }
  } catch (err) {
    const json = rest.includes('--json');
    if (err instanceof UsageError || (err instanceof CallError && err.code !== 'internal')) {
      io.stderr.write(`rowrunner: ${err.message}\n`);
      if (json) io.stdout.write(`${JSON.stringify({ error: err.message, exitCode: EXIT.badInput })}\n`);
      return EXIT.badInput;
    }
    io.stderr.write(`rowrunner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err), exitCode: EXIT.stopped })}\n`);
    return EXIT.stopped;
  }
}

/** The process entry: real streams, SIGINT, and the exit code. */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
  const code = await main(argv, io);
  // Let stdout drain (a pipe), then leave even if a keep-alive socket lingers.
  process.stdout.write('', () => process.exit(code));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await runCli();
}
