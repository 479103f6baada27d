// The corpus of broken and extreme CSV files through every layer that reads one: readCsv itself (in
// bounded heap), the runs service's importDataset (all or nothing: a failed import leaves no
// dataset and no row), and the rowrunner command (exit 2, the file, line and column named, no
// output file, nothing left in its database; or, for a file that imports, a run and its export).
// Then a 1 MB row through import, a run and every export format; and 1 GB of newlines, through the
// service and the command at once, memory and time measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './cli/test-helpers.ts';
import { CsvImportError, readCsv } from './io/csv/index.ts';
import { CORPUS, writeNewlines, type CorpusError, type CorpusFile } from './io/csv/testing/corpus.ts';
import { META_COLUMNS } from './io/export/index.ts';
import { createRunService, type RunService } from './runs/service.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';

const MiB = 1024 * 1024;

let sim: Simulator;
let dir: string;
let svc: RunService;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-bad-input-'));
  svc = createRunService({ dbPath: path.join(dir, 'service.db'), apiKey: () => 'sk-test' });
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'cli.db') };
});

afterAll(async () => {
  await svc?.close();
  await sim?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const retained = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Runs `fn`, collecting garbage every `everyMs` to find the most heap it kept at once. */
async function peakHeap<T>(fn: () => Promise<T>, everyMs = 25): Promise<{ outcome: { value: T } | { error: unknown }; peak: number }> {
  gc();
  const base = retained();
  let peak = 0;
  const sample = () => {
    gc();
    peak = Math.max(peak, retained() - base);
  };
  const timer = setInterval(sample, everyMs);
  try {
    return { outcome: { value: await fn() }, peak };
  } catch (error) {
    return { outcome: { error }, peak };
  } finally {
    clearInterval(timer);
    sample();
  }
}

function expectCsvError(e: unknown, want: CorpusError): void {
  expect(e).toBeInstanceOf(CsvImportError);
  const err = e as CsvImportError;
  expect({ code: err.code, line: err.line, column: err.column }).toEqual({ code: want.code, line: want.line, column: want.column });
  expect(err.message).toMatch(want.message);
  if (want.line !== undefined) expect(err.message).toMatch(new RegExp(`^Line ${want.line}\\b`));
}

function storedCounts(db: string): { datasets: number; rows: number } {
  if (!fs.existsSync(db)) return { datasets: 0, rows: 0 };
  const conn = new Database(db, { readonly: true });
  try {
    return {
      datasets: conn.prepare('SELECT COUNT(*) FROM datasets').pluck().get() as number,
      rows: conn.prepare('SELECT COUNT(*) FROM dataset_rows').pluck().get() as number,
    };
  } finally {
    conn.close();
  }
}

describe.each(CORPUS.map((c, i) => [c.name, c, i] as const))('%s', (_name, c: CorpusFile, i) => {
  let file: string;
  beforeAll(async () => {
    file = await c.write(dir);
  });
  afterAll(() => fs.rmSync(file, { force: true }));

  it('readCsv: the error that names it, or every row, in bounded heap', async () => {
    let rows = 0;
    let columns = 0;
    const cells = new Map<string, boolean>();
    const wanted = 'import' in c.expect ? c.expect.import.cells : [];
    const { outcome, peak } = await peakHeap(() =>
      readCsv(
        file,
        (info) => (columns = info.columns.length),
        (batch) => {
          for (const [r, col, value] of wanted) {
            if (r >= rows && r < rows + batch.length) cells.set(`${r}:${col}`, batch[r - rows][col] === value);
          }
          rows += batch.length;
        },
      ),
    );
    if ('error' in c.expect) {
      expect('error' in outcome ? outcome.error : 'no error').toSatisfy((e: unknown) => (expectCsvError(e, (c.expect as { error: CorpusError }).error), true));
    } else {
      if ('error' in outcome) throw outcome.error;
      expect(outcome.value.rowCount).toBe(c.expect.import.rowCount);
      expect(rows).toBe(c.expect.import.rowCount);
      expect(columns).toBe(c.expect.import.columns);
      for (const [r, col] of wanted) expect(cells.get(`${r}:${col}`), `row ${r}, column ${col}`).toBe(true);
    }
    expect(peak, `peak retained heap ${(peak / MiB).toFixed(1)} MiB`).toBeLessThan(c.heapBound);
  });

  it('importDataset: the same error and no dataset left, or the dataset', async () => {
    const before = storedCounts(svc.dbPath);
    const datasets = svc.listDatasets().length;
    if ('error' in c.expect) {
      let thrown: unknown = null;
      await svc.importDataset(file).catch((e: unknown) => (thrown = e));
      expectCsvError(thrown, c.expect.error);
      expect(svc.listDatasets()).toHaveLength(datasets);
      expect(storedCounts(svc.dbPath)).toEqual(before);
      return;
    }
    const ds = await svc.importDataset(file);
    try {
      expect(ds.columns).toHaveLength(c.expect.import.columns);
      expect(ds.rowCount).toBe(c.expect.import.rowCount);
      for (const [r, col, value] of c.expect.import.cells) expect(svc.datasetRows(ds.id, r, 1)[0][col] === value, `row ${r}, column ${col}`).toBe(true);
      for (const note of c.expect.import.notes ?? []) expect(ds.notes).toContainEqual(expect.stringMatching(note));
    } finally {
      svc.deleteDataset(ds.id);
    }
  });

  it('rowrunner run: exit 2 naming the file, line and column, no output; or a run and its export', async () => {
    const agent = `agent-${i}.json`;
    fs.writeFileSync(path.join(dir, agent), JSON.stringify({ name: 'corpus', model: 'sim-model', prompt: c.prompt }));
    const out = `out-${i}.csv`;
    const before = storedCounts(env.ROWRUNNER_DB);
    const res = await runCli(['run', c.file, '--agent', agent, '--out', out], env, dir);
    if ('error' in c.expect) {
      const want = c.expect.error;
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(`rowrunner: ${c.file}: `);
      if (want.line !== undefined) expect(res.stderr).toContain(`Line ${want.line}`);
      if (want.column !== undefined) expect(res.stderr).toContain(`column ${want.column}`);
      expect(res.stderr).toMatch(want.message);
      expect(res.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
      expect(fs.existsSync(path.join(dir, out))).toBe(false);
      const after = storedCounts(env.ROWRUNNER_DB);
      if (after.datasets === before.datasets) {
        expect(after).toEqual(before);
        return;
      }
      // Found past the first stored batch: the run had started with the rows before the problem and
      // keeps them, as the message says (runs/import-and-run.ts).
      const kept = after.rows - before.rows;
      expect(after.datasets).toBe(before.datasets + 1);
      expect(kept).toBeGreaterThan(0);
      expect(kept % 1000).toBe(0);
      if (want.line !== undefined) expect(kept).toBeLessThan(want.line);
      expect(res.stderr).toContain(`keeps the ${kept.toLocaleString('en-US')} rows read before it`);
      return;
    }
    const want = c.expect.import;
    expect(res.code, res.stderr).toBe(0);
    const exported = parseCsv(fs.readFileSync(path.join(dir, out)), { bom: true, relax_column_count: false }) as string[][];
    fs.rmSync(path.join(dir, out));
    expect(exported[0]).toHaveLength(want.columns + 1 + META_COLUMNS.length);
    expect(exported).toHaveLength(want.rowCount + 1);
    for (const [r, col, value] of want.cells) expect(exported[r + 1][col] === value, `row ${r}, column ${col}`).toBe(true);
    expect(exported.slice(1).every((r) => r[exported[0].indexOf('_status')] === 'done')).toBe(true);
  });
});

describe('a 1 MB row', () => {
  it('imports, runs against the simulator, and exports whole to CSV and JSONL (xlsx cells cut at Excel’s limit, and said so)', async () => {
    const quarter = (k: number) => `${k}: ${'word, "quoted" and\nbroken é '.repeat(Math.ceil(MiB / 4 / 28))}`.slice(0, MiB / 4);
    const big = [quarter(1), quarter(2), quarter(3), quarter(4)];
    const file = path.join(dir, 'row-1mb.csv');
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    fs.writeFileSync(file, `a,b,c,d\n${big.map(quote).join(',')}\nsmall a,small b,small c,small d\n`);
    const ds = await svc.importDataset(file);
    expect(ds.rowCount).toBe(2);
    expect(svc.datasetRows(ds.id, 0, 1)[0].every((v, i) => v === big[i])).toBe(true);

    // A model whose window holds a 1 MB prompt (gpt-4o-mini's 128k would refuse the row unsent: prompts-fit.test.ts).
    const run = svc.createRun({ datasetId: ds.id, agent: { name: 'big', model: 'gpt-4o-mini', baseURL: sim.url, prompt: '{{a}}|{{b}}|{{c}}|{{d}}', contextWindow: 4_000_000 } });
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.status).toBe('completed');
    expect(info.totals).toMatchObject({ done: 2, failed: 0 });
    const item = svc.itemDetail(run.runId, 0);
    expect(item.prompt === big.join('|')).toBe(true);
    expect(item.promptTokens).toBeGreaterThan(MiB / 8);

    const csvOut = path.join(dir, 'row-1mb.out.csv');
    const jsonlOut = path.join(dir, 'row-1mb.out.jsonl');
    const xlsxOut = path.join(dir, 'row-1mb.out.xlsx');
    for (const out of [csvOut, jsonlOut, xlsxOut]) expect((await svc.exportRun(run.runId, out)).rows).toBe(2);
    const csvRows = parseCsv(fs.readFileSync(csvOut), { bom: true }) as string[][];
    expect(csvRows[1].slice(0, 4).every((v, i) => v === big[i])).toBe(true);
    const first = JSON.parse(fs.readFileSync(jsonlOut, 'utf8').split('\n')[0]) as Record<string, unknown>;
    expect(['a', 'b', 'c', 'd'].every((k, i) => first[k] === big[i])).toBe(true);
    expect(first._status).toBe('done');
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsxOut);
    const cell = wb.getWorksheet('Results')!.getCell('A2').value as string;
    expect(cell.length).toBeLessThanOrEqual(32_767);
    expect(big[0].startsWith(cell.slice(0, 1000))).toBe(true);
    expect(cell).toMatch(/\[truncated: 262,144 characters\]$/);
    const notes = wb.getWorksheet('Run')!.getColumn(1).values.map(String);
    expect(notes.some((v) => v.startsWith('Cells cut to 32,767 characters'))).toBe(true);
    for (const f of [file, csvOut, jsonlOut, xlsxOut]) fs.rmSync(f);
  });
});

/** The highest resident set a process reached (VmHWM), or null where /proc does not say. */
function peakRss(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

describe('1 GB of newlines', () => {
  it('is "empty" to the service and the command, read once each in bounded memory', async () => {
    const file = path.join(dir, 'newlines-1gb.csv');
    let t = performance.now();
    await writeNewlines(file, 1024 * MiB);
    const writeMs = performance.now() - t;
    try {
      fs.writeFileSync(path.join(dir, 'agent-nl.json'), JSON.stringify({ name: 'nl', model: 'sim-model', prompt: '{{q}}' }));
      t = performance.now();
      // The command in its own process, its peak RSS read from /proc while it runs.
      const child = spawnCli(['run', 'newlines-1gb.csv', '--agent', 'agent-nl.json', '--out', 'nl.xlsx'], env, dir);
      let childPeak: number | null = null;
      const poll = setInterval(() => {
        const now = child.child.pid ? peakRss(child.child.pid) : null;
        if (now !== null) childPeak = Math.max(childPeak ?? 0, now);
      }, 100);
      const service = (async () => {
        const start = performance.now();
        const before = storedCounts(svc.dbPath);
        const rssBefore = process.memoryUsage().rss;
        let rssMax = rssBefore;
        const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
        const { outcome, peak } = await peakHeap(() => svc.importDataset(file), 250).finally(() => clearInterval(rssTimer));
        return { outcome, peak, rssMax, rssPeak: rssMax - rssBefore, ms: performance.now() - start, before };
      })();
      const [cli, imported] = await Promise.all([child.result.finally(() => clearInterval(poll)), service]);
      const cliMs = performance.now() - t;

      expect('error' in imported.outcome).toBe(true);
      const err = (imported.outcome as { error: unknown }).error as CsvImportError;
      expect(err).toBeInstanceOf(CsvImportError);
      expect(err.code).toBe('empty');
      expect(err.message).toMatch(/only blank lines/);
      expect(storedCounts(svc.dbPath)).toEqual(imported.before);
      expect(cli.code, cli.stderr).toBe(2);
      expect(cli.stderr).toMatch(/rowrunner: newlines-1gb\.csv: The file is empty: it has only blank lines\./);
      expect(fs.existsSync(path.join(dir, 'nl.xlsx'))).toBe(false);

      console.log(
        `1 GiB of newlines: written in ${(writeMs / 1000).toFixed(1)} s; importDataset ${(imported.ms / 1000).toFixed(1)} s, ` +
          `peak retained heap +${(imported.peak / MiB).toFixed(1)} MiB, peak RSS ${(imported.rssMax / MiB).toFixed(0)} MiB (+${(imported.rssPeak / MiB).toFixed(0)}); ` +
          `rowrunner run ${(cliMs / 1000).toFixed(1)} s, peak RSS ${childPeak === null ? 'n/a' : `${((childPeak as number) / MiB).toFixed(0)} MiB`}`,
      );
      // Flat, not proportional: a few MiB of buffers and the tracker's window, against 1,024 MiB read.
      expect(imported.peak).toBeLessThan(64 * MiB);
      expect(imported.rssPeak).toBeLessThan(256 * MiB);
      if (childPeak !== null) expect(childPeak).toBeLessThan(384 * MiB);
      // The times are printed, not asserted: bench/io-import.ts and bench/store-import.ts measure them.
    } finally {
      fs.rmSync(file, { force: true });
    }
  }, 400_000);
});
