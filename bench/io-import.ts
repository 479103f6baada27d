// Import benchmark: generates a 1,000,000-row CSV in a temp dir, then times readCsv over it (the
// reading alone; no database) in a fresh process, so the RSS is not inflated by the generation.
// Prints wall time and peak RSS, sampled every 50 ms.
// Run: node bench/io-import.ts [rows]
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../electron/core/io/csv/index.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function generate(path: string, rows: number): Promise<void> {
  const words = ['fast', 'shipping', 'broken', 'great', 'value', 'would', 'buy', 'again', 'refund', 'colour', 'size', 'fits'];
  const out = createWriteStream(path);
  out.write('id,sku,customer,rating,review,created_at\n');
  for (let i = 0; i < rows; i++) {
    let review = '';
    for (let w = 0; w < 12 + (i % 9); w++) review += (w ? ' ' : '') + words[(i * 7 + w * 3) % words.length];
    // Every tenth review is quoted, with a comma, doubled quotes and a line break.
    if (i % 10 === 0) review = `"${review}, and ""quoted"" words\nover two lines"`;
    const day = String((i % 28) + 1).padStart(2, '0');
    const line = `${i},SKU-${(i * 2654435761) % 100000},customer${i % 5000}@example.com,${(i % 5) + 1},${review},2025-01-${day}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

async function measure(path: string, rows: number): Promise<void> {
  const size = (await stat(path)).size;
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  let batches = 0;
  const { rowCount } = await readCsv(path, () => {}, () => {
    batches++;
  });
  const wallMs = performance.now() - started;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  clearInterval(sampler);
  const seconds = wallMs / 1000;
  console.log(`file:      ${rowCount.toLocaleString('en-US')} rows, ${mib(size)}, ${batches} batches`);
  console.log(
    `wall time: ${seconds.toFixed(2)} s (${Math.round(rowCount / seconds).toLocaleString('en-US')} rows/s, ${(size / 2 ** 20 / seconds).toFixed(0)} MiB/s)`,
  );
  console.log(`peak RSS:  ${mib(peakRss)} (at start ${mib(baseRss)}, growth ${mib(peakRss - baseRss)})`);
  if (rowCount !== rows) throw new Error(`expected ${rows} rows, read ${rowCount}`);
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3], Number(process.argv[4]));
} else {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'rowrunner-bench-import-'));
  try {
    const path = join(dir, 'items.csv');
    await generate(path, rows);
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', path, String(rows)], { stdio: 'inherit' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
