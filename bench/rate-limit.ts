// Rate limits: a run with no rate limit configured, through the runs service (a worker thread, every
// event persisted), against a simulator that allows `rpm` requests a minute over a sliding window and
// answers 429 beyond. Prints the rate the run achieved as a share of the allowed rate and the share of
// its requests answered 429 (goals: ≥ 90%, ≤ 5%).
// Run: node bench/rate-limit.ts [--rpm 600] [--window-ms 60000] [--items 1300] [--batch-size 64] [--latency 50]
// (the defaults: a full 60 s window, about two minutes of sending). electron/core/runs/rate-limit.test.ts
// checks the behaviour (every item done once despite 429s) over a short window; the figures are here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRunService } from '../electron/core/runs/service.ts';
import { startSimulator } from '../electron/core/simulator/index.ts';
import { qaAgent, writeQuestionsCsv } from '../electron/core/testing/fixtures.ts';

export interface RateLimitParams {
  rpm: number;
  /** The server's sliding window; the allowance is rpm × windowMs / 60 s. */
  windowMs: number;
  items: number;
  batchSize: number;
  latencyMs: number;
}

export interface RateLimitResult {
  status: string;
  done: number;
  requests: number;
  /** Requests answered 200. */
  answered: number;
  answered429: number;
  /** Requests answered 429, as a share of all requests. */
  share429: number;
  /** The run's wall time, its worker's start included. */
  seconds: number;
  /** From the run's first item to its end: the time it was sending. */
  sendingSeconds: number;
  /** Answered (200) requests per minute while the run was sending. */
  perMinute: number;
  /** perMinute / rpm. */
  shareOfLimit: number;
  summary: string;
}

export async function measureRateLimit(p: RateLimitParams): Promise<RateLimitResult> {
  const sim = await startSimulator({ latencyMs: p.latencyMs, rateLimit: { rpm: p.rpm, windowMs: p.windowMs } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-rate-'));
  const svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
  try {
    const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), p.items);
    const ds = await svc.importDataset(csv);
    const run = svc.createRun({
      datasetId: ds.id,
      agent: qaAgent(sim.url),
      options: { batchSize: p.batchSize },
    });
    let firstItem: number | undefined;
    const off = svc.subscribe((id, e) => {
      if (id === run.runId && e.type === 'item-started') firstItem ??= performance.now();
    });
    const t0 = performance.now();
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    const end = performance.now();
    off();
    const seconds = (end - t0) / 1000;
    const sendingSeconds = (end - (firstItem ?? t0)) / 1000;
    const s = sim.stats();
    const answered = s.byStatus[200] ?? 0;
    const answered429 = s.byStatus[429] ?? 0;
    const perMinute = (answered / sendingSeconds) * 60;
    const shareOfLimit = perMinute / p.rpm;
    const share429 = s.requests > 0 ? answered429 / s.requests : 0;
    const summary =
      `${info.totals.done} of ${p.items} items in ${seconds.toFixed(1)} s at batch size ${p.batchSize} (${sendingSeconds.toFixed(1)} s from the first item): ` +
      `${perMinute.toFixed(0)} answered requests a minute ` +
      `= ${(100 * shareOfLimit).toFixed(1)}% of the ${p.rpm} allowed (window ${p.windowMs / 1000} s); ` +
      `${answered429} of ${s.requests} requests answered 429 (${(100 * share429).toFixed(1)}%)`;
    return { status: info.status, done: info.totals.done, requests: s.requests, answered, answered429, share429, seconds, sendingSeconds, perMinute, shareOfLimit, summary };
  } finally {
    await svc.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      rpm: { type: 'string', default: '600' },
      'window-ms': { type: 'string', default: '60000' },
      items: { type: 'string', default: '1300' },
      'batch-size': { type: 'string', default: '64' },
      latency: { type: 'string', default: '50' },
    },
  });
  const m = await measureRateLimit({
    rpm: Number(values.rpm),
    windowMs: Number(values['window-ms']),
    items: Number(values.items),
    batchSize: Number(values['batch-size']),
    latencyMs: Number(values.latency),
  });
  console.log(`rate limit: ${m.summary}`);
  const ok = m.shareOfLimit >= 0.9 && m.share429 <= 0.05;
  console.log(ok ? 'goals met (≥ 90% of the rate, ≤ 5% answered 429)' : 'GOALS MISSED (≥ 90% of the rate, ≤ 5% answered 429)');
}
