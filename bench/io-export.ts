// Export benchmark: 100,000 result rows of realistic size streamed to an xlsx file in a temp dir.
// Prints wall time, file size and peak RSS, sampled every 50 ms.
// Run: node bench/io-export.ts [rows] [xlsx|csv|jsonl]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRun, type ExportFormat, type ExportRow } from '../electron/core/io/export/index.ts';

const rows = Number(process.argv[2] ?? 100_000);
const format = (process.argv[3] ?? 'xlsx') as ExportFormat;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

const words = ['the', 'delivery', 'arrived', 'late', 'but', 'support', 'was', 'helpful', 'and', 'refunded', 'shipping', 'quickly'];
const sentence = (seed: number, n: number) => {
  let s = '';
  for (let w = 0; w < n; w++) s += (w ? ' ' : '') + words[(seed * 7 + w * 5) % words.length];
  return s;
};

/** Like the store's reader: a generator that yields rows one by one, in input order. */
async function* results(): AsyncGenerator<ExportRow> {
  for (let i = 0; i < rows; i++) {
    const failed = i % 50 === 0;
    yield {
      input: [String(i), `SKU-${(i * 2654435761) % 100000}`, `customer${i % 5000}@example.com`, String((i % 5) + 1), sentence(i, 40 + (i % 30))],
      output: failed
        ? {}
        : {
            sentiment: ['positive', 'negative', 'neutral'][i % 3],
            score: (i % 100) / 100,
            summary: sentence(i + 1, 25),
            topics: ['delivery', 'refund'].slice(0, 1 + (i % 2)),
            needs_follow_up: i % 4 === 0,
          },
      status: failed ? 'failed' : 'done',
      error: failed ? 'HTTP 500 from the model after 3 attempts' : null,
      turns: 1 + (i % 3),
      promptTokens: 400 + (i % 300),
      completionTokens: 80 + (i % 120),
      costUsd: 0.000123 * (1 + (i % 10)),
      latencyMs: failed ? null : 700 + (i % 900),
    };
  }
}

const dir = await mkdtemp(join(tmpdir(), 'rowrunner-bench-export-'));
try {
  const path = join(dir, `results.${format}`);
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  const result = await exportRun(
    {
      inputColumns: ['id', 'sku', 'customer', 'rating', 'review'],
      outputColumns: ['sentiment', 'score', 'summary', 'topics', 'needs_follow_up'],
      rows: results(),
      settings: [
        ['Agent', 'review-triage'],
        ['Model', 'gpt-4o-mini'],
        ['Items', rows],
        ['Cost (USD)', 12.34],
      ],
    },
    path,
    format,
  );
  const wallMs = performance.now() - started;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  clearInterval(sampler);
  const size = (await stat(path)).size;
  console.log(`export:    ${result.rows.toLocaleString('en-US')} rows × 17 columns to ${format}, ${mib(size)}`);
  console.log(`wall time: ${(wallMs / 1000).toFixed(2)} s (${Math.round(result.rows / (wallMs / 1000)).toLocaleString('en-US')} rows/s)`);
  console.log(`peak RSS:  ${mib(peakRss)} (at start ${mib(baseRss)}, growth ${mib(peakRss - baseRss)})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
