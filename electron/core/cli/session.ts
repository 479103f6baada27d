// A run session as the CLI shows it: live progress until it ends (Ctrl-C cancels), the export, the
// closing report and the exit code.
import type { RunProgress } from '../../../shared/contract.ts';
import type { RunInfo, RunService } from '../runs/service.ts';
import { roundUsd } from '../../../shared/money.ts';
import { EXIT } from './errors.ts';
import type { CliIo } from './io.ts';
import { createProgressView, duration, money, pauseNotes } from './progress.ts';
import type { Stops } from './stops.ts';
import { watchBatches } from './batch-watch.ts';
import { count } from '../../../shared/plural.ts';

export interface Outcome {
  info: RunInfo;
  wallMs: number;
  out?: string;
}

export function exitCodeOf(info: RunInfo): number {
  // A run in which every row failed finished, but produced nothing a script should carry on with.
  if (info.status === 'completed') return info.totals.done === 0 && info.totals.items > 0 ? EXIT.stopped : EXIT.ok;
  if (info.status === 'stopped-budget') return EXIT.budget;
  return EXIT.stopped;
}

export function jsonOf(o: Outcome): Record<string, unknown> {
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
    cachedTokens: t.cachedTokens ?? 0,
    // Whole micro-dollars: no float noise in what a script reads.
    costUsd: roundUsd(t.costUsd),
    ...(t.cachedSavingUsd !== undefined ? { cachedSavingUsd: roundUsd(t.cachedSavingUsd) } : {}),
    cachedCalls: t.cachedCalls ?? 0,
    savedUsd: roundUsd(t.savedUsd ?? 0),
    wallMs: o.wallMs,
    error: o.info.error,
    ...(o.out ? { out: o.out } : {}),
  };
}

/** Runs a started run to its end with live progress; a stop cancels it (a second Ctrl-C: quit at once). */
export async function follow(svc: RunService, runId: string, io: CliIo, stops: Stops): Promise<RunInfo> {
  const view = createProgressView(io.stderr, Boolean(io.stderr.isTTY));
  let failuresShown = 0;
  const pauses = pauseNotes(runId);
  const unsubscribe = svc.subscribe(
    (id, e) => {
      if (id !== runId) return;
      if (e.type === 'paused' || e.type === 'resumed') for (const line of pauses(e)) view.note(line);
      if (e.type === 'item-failed') {
        failuresShown++;
        if (failuresShown <= 20) view.note(`row ${e.index + 1} failed: ${e.error.split('\n')[0].slice(0, 300)}`);
        else if (failuresShown === 21) view.note('(more failed items: see the export or the app)');
      }
    },
    { types: ['item-failed', 'paused', 'resumed'] },
  );
  const offProgress = svc.on('run:progress', (p: RunProgress) => {
    if (p.runId === runId) view.update(p);
  });
  // Batch mode: the provider's batches are what the run waits for; a stop leaves them running.
  const batchMode = svc.getRun(runId).options.mode === 'batch';
  const stopWatching = batchMode ? watchBatches(svc.dbPath, Number(runId), (line) => view.note(line)) : () => {};
  stops.handle((kind) => {
    if (batchMode) {
      io.stderr.write(`\nStopped waiting. The run's batches keep running at the provider; \`rowrunner resume ${runId}\` picks them up.\n`);
      void svc
        .abandon(runId)
        .catch(() => {})
        .finally(() => process.exit(EXIT.stopped));
      return;
    }
    if (kind === 'cancel') {
      view.note('Cancelling: items in flight go back to pending (Ctrl-C again to quit at once)…');
      svc.cancel(runId).catch(() => {});
      return;
    }
    io.stderr.write(`\nQuit. Run ${runId} is left interrupted; \`rowrunner resume ${runId}\` continues it.\n`);
    // Its worker is stopped first, so the run is recorded as interrupted, never left running.
    void svc
      .abandon(runId)
      .catch(() => {})
      .finally(() => process.exit(EXIT.stopped));
  });
  try {
    const info = await svc.finished(runId);
    view.end();
    return info;
  } finally {
    stopWatching();
    unsubscribe();
    offProgress();
  }
}

export function report(o: Outcome, io: CliIo, json: boolean): void {
  const t = o.info.totals;
  const notRun = t.items - t.done - t.failed;
  const lines = [
    `Run ${o.info.runId} ${o.info.status}: ${t.done} done, ${t.failed} failed, ${notRun} not run, of ${t.items}` +
      ` · ${(t.promptTokens + t.completionTokens).toLocaleString('en-US')} tokens · ${money(t.costUsd)} · ${duration(o.wallMs)}`,
  ];
  if (t.cachedCalls) lines.push(`  ${t.cachedCalls.toLocaleString('en-US')} call${t.cachedCalls === 1 ? '' : 's'} answered from the cache, ${money(t.savedUsd ?? 0)} saved`);
  if (o.info.error) lines.push(`  ${o.info.error}`);
  if (o.info.status === 'completed' && t.done === 0 && t.items > 0) lines.push('  No row was done: every one failed (see the first errors above).');
  if (o.out) lines.push(`  Results: ${o.out}`);
  if (o.info.status !== 'completed' && notRun > 0) lines.push(`  Continue with: rowrunner resume ${o.info.runId}`);
  else if (t.failed > 0) lines.push(`  Retry the failed items with: rowrunner retry-failed ${o.info.runId}`);
  if (json) {
    io.stderr.write(`${lines.join('\n')}\n`);
    io.stdout.write(`${JSON.stringify(jsonOf(o))}\n`);
  } else io.stdout.write(`${lines.join('\n')}\n`);
}

export async function exportTo(svc: RunService, runId: string, out: string, io: CliIo): Promise<void> {
  const res = await svc.exportRun(runId, out);
  io.stderr.write(`Exported ${count(res.rows, 'row')} to ${res.path}\n`);
}

export async function exportIntoTo(svc: RunService, runId: string, out: string, into: { workbook: string; sheet?: string }, io: CliIo): Promise<void> {
  const res = await svc.exportRunInto(runId, out, into);
  io.stderr.write(`Added the answers of ${count(res.rows, 'row')} to a copy of ${into.workbook}: ${res.path}\n`);
}

/** Follows a started run, exports it if asked, reports it; resolves to the exit code. */
export async function followToEnd(
  svc: RunService,
  runId: string,
  io: CliIo,
  p: { started: number; out?: string; json: boolean; stops: Stops; into?: { workbook: string; sheet?: string }; imported?: Promise<unknown> },
): Promise<number> {
  let info = await follow(svc, runId, io, p.stops);
  // A run that started while its file was read: the rows it did not reach (a budget stop) are stored before the export.
  if (p.imported) {
    await p.imported;
    info = svc.getRun(runId);
  }
  if (p.out && p.into) await exportIntoTo(svc, runId, p.out, p.into, io);
  else if (p.out) await exportTo(svc, runId, p.out, io);
  report({ info, wallMs: Date.now() - p.started, out: p.out }, io, p.json);
  return exitCodeOf(info);
}
