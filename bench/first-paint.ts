// How long a finished 100,000-row run takes to show: builds such a run in a temporary database directly
// through the store (no LLM), serves it with `rowrunner serve`'s server, opens it from the Runs screen
// in headless Chromium and measures, in the page, from the click that opens the run to the first
// animation frame after the results table's first rows are in the DOM (i.e. painted).
// Needs the renderer built (npm run build:renderer) and Chromium (CHROMIUM_PATH, else /usr/bin/chromium).
// Usage: node bench/first-paint.ts [rows=100000] [repeats=5]
import { chromium } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../shared/domain.ts';
import { startServer } from '../electron/core/serve/server.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from '../electron/core/store/datasets.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { insertItems } from '../electron/core/store/items.ts';
import { claimRun, insertRun, releaseRun } from '../electron/core/store/runs.ts';
import { processOwner } from '../electron/core/process-owner.ts';
import { createEventWriter } from '../electron/core/store/writer.ts';
import { CHROMIUM_ARGS } from '../playwright.config.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const REPEATS = Number(process.argv[3] ?? 5);
const root = path.resolve(import.meta.dirname, '..');
if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
  console.error('Build the renderer first: npm run build:renderer');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rr-first-paint-'));
const dbPath = path.join(dir, 'rowrunner.db');

// --- a finished run of ROWS rows, written through the store ---------------------------------------------
let t = performance.now();
const db = openDatabase(dbPath);
const columns = ['id', 'review', 'product'];
const row = (i: number) => [String(i + 1), `Review ${i + 1}: ${['great product, works well', 'arrived broken, sent it back', 'it is fine for the price'][i % 3]}`, `SKU-${(i * 7919) % 10_007}`];
const datasetId = beginDataset(db, { name: 'reviews-100k.csv', sourcePath: null });
setDatasetHeader(db, datasetId, { columns, notes: [], delimiter: ',', encoding: 'utf-8' });
db.transaction(() => {
  for (let i = 0; i < ROWS; i += 5000) insertDatasetRows(db, datasetId, i, Array.from({ length: Math.min(5000, ROWS - i) }, (_, k) => row(i + k)));
})();
finishDataset(db, datasetId, ROWS);
const agent = AgentSpecSchema.parse({
  name: 'labeller',
  model: 'gpt-4o-mini',
  prompt: 'Label the sentiment of this review: {{review}}',
  tools: [{ name: 'answer', parameters: { type: 'object', properties: { sentiment: { type: 'string' }, score: { type: 'number' } } } }],
  doneIfTool: true,
  output: { sentiment: 'sentiment', score: 'score' },
});
const runId = insertRun(db, { name: 'labeller · reviews-100k.csv', datasetId, agent, options: RunOptionsSchema.parse({}), itemCount: ROWS });
db.transaction(() => insertItems(db, runId, Array.from({ length: ROWS }, (_, i) => ({ index: i, prompt: `Label the sentiment of this review: ${row(i)[1]}` }))))();
claimRun(db, runId, processOwner());
const writer = createEventWriter(db, runId);
for (let i = 0; i < ROWS; i += 5000) {
  const events: BatchEvent[] = [];
  for (let k = i; k < Math.min(ROWS, i + 5000); k++) {
    const sentiment = ['positive', 'negative', 'neutral'][k % 3];
    const transcript = [
      { role: 'user' as const, content: `Label the sentiment of this review: ${row(k)[1]}` },
      { role: 'assistant' as const, content: null, toolCalls: [{ id: `call_${k}`, name: 'answer', arguments: JSON.stringify({ sentiment, score: (k % 100) / 100 }) }] },
    ];
    events.push({ type: 'item-started', index: k });
    events.push({ type: 'llm-call', index: k, promptTokens: 30, completionTokens: 20, costUsd: 0.0000165, latencyMs: 300 + (k % 200), status: 200 });
    events.push({ type: 'item-done', index: k, output: { sentiment, score: (k % 100) / 100 }, turns: 1, promptTokens: 30, completionTokens: 20, costUsd: 0.0000165, latencyMs: 300 + (k % 200), transcript });
  }
  writer.apply(events);
}
releaseRun(db, runId, 'completed', null, 60_000);
db.close();
console.log(`built a finished ${ROWS.toLocaleString('en-US')}-row run in ${((performance.now() - t) / 1000).toFixed(1)} s (${dbPath})`);

// --- serve it and open it in Chromium -------------------------------------------------------------------
const server = await startServer({ dbPath });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
const results: { load: number; firstPaint: number; total: string | null }[] = [];
try {
  for (let r = 0; r < REPEATS; r++) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    t = performance.now();
    await page.goto(server.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId(`run-open-${runId}`).waitFor();
    const load = performance.now() - t;
    // Measured in the page: from the click to the first frame after the first rows are in the DOM.
    await page.evaluate(() => {
      const w = window as unknown as { __firstPaint: Promise<number> };
      w.__firstPaint = new Promise<number>((resolve) => {
        document.addEventListener(
          'click',
          () => {
            const t0 = performance.now();
            const check = () => {
              if (document.querySelector('[data-testid^="results-row-"]')) requestAnimationFrame(() => resolve(performance.now() - t0));
              else requestAnimationFrame(check);
            };
            check();
          },
          { capture: true, once: true },
        );
      });
    });
    await page.getByTestId(`run-open-${runId}`).click();
    const firstPaint = await page.evaluate(() => (window as unknown as { __firstPaint: Promise<number> }).__firstPaint);
    const total = await page.getByTestId('results-table').getAttribute('data-total');
    results.push({ load, firstPaint, total });
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

const paints = results.map((x) => x.firstPaint).sort((a, b) => a - b);
const median = paints[Math.floor(paints.length / 2)];
for (const [i, x] of results.entries()) {
  console.log(`#${i + 1}: app ready ${x.load.toFixed(0)} ms; open run → first rows painted ${x.firstPaint.toFixed(0)} ms (table total ${x.total})`);
}
console.log(`first paint of a finished ${ROWS.toLocaleString('en-US')}-row run: median ${median.toFixed(0)} ms, best ${paints[0].toFixed(0)} ms, worst ${paints[paints.length - 1].toFixed(0)} ms over ${paints.length} opens`);
