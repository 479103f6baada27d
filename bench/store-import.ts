// Import benchmark: a 1,000,000-row CSV streamed into SQLite through the runs service, as the app and
// the CLI import. Prints wall time, peak RSS (sampled every 50 ms, and the OS's maxRSS) and the
// database size. The CSV is generated once into bench/work/; the import runs in a fresh child process
// so its peak memory is the import's own.
// Run: node bench/store-import.ts [rows]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRunService } from '../electron/core/runs/service.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const work = path.resolve(import.meta.dirname, 'work');

if (process.argv[2] === '--child') {
  const [csv, db] = process.argv.slice(3);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const svc = createRunService({ dbPath: db });
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const ds = await svc.importDataset(csv);
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await svc.close();
  const size = fs.statSync(db).size;
  console.log(JSON.stringify({ rows: ds.rowCount, columns: ds.columns.length, wallMs: Math.round(wall), cpuMs: Math.round((cpu.user + cpu.system) / 1000), startRss, peakRss: peak, maxRss: process.resourceUsage().maxRSS * 1024, dbBytes: size }));
  process.exit(0);
}

const rows = Number(process.argv[2] ?? 1_000_000);
fs.mkdirSync(work, { recursive: true });
const csv = path.join(work, `import-${rows}.csv`);
if (!fs.existsSync(csv)) {
  const words = ['the', 'delivery', 'arrived', 'late', 'but', 'support', 'was', 'helpful', 'and', 'refunded', 'shipping', 'quickly', '"quoted"', 'café'];
  const out = fs.createWriteStream(csv);
  out.write('id,sku,email,rating,review\n');
  for (let i = 0; i < rows; i++) {
    let text = '';
    for (let w = 0; w < 20 + (i % 25); w++) text += (w ? ' ' : '') + words[(i * 7 + w * 5) % words.length];
    const line = `${i},SKU-${(i * 2654435761) % 100000},customer${i % 5000}@example.com,${(i % 5) + 1},"${text.replace(/"/g, '""')}"\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}
const db = path.join(work, 'import.db');
const child = spawnSync(process.execPath, [import.meta.filename, '--child', csv, db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (child.status !== 0) {
  console.error(child.stdout);
  process.exit(1);
}
const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; columns: number; wallMs: number; cpuMs: number; startRss: number; peakRss: number; maxRss: number; dbBytes: number };
console.log(`imported ${r.rows.toLocaleString('en-US')} rows × ${r.columns} columns (${mib(fs.statSync(csv).size)} CSV) in ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU ` +
  `(${Math.round(r.rows / (r.wallMs / 1000)).toLocaleString('en-US')} rows/s); peak RSS ${mib(r.peakRss)} (${mib(r.startRss)} before it began, maxRSS ${mib(r.maxRss)}); database ${mib(r.dbBytes)}`);
