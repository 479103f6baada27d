import { expect, it } from 'vitest';
import type { RunProgress } from '../../../shared/contract.ts';
import { compact, createProgressView, duration, money, pauseNotes } from './progress.ts';

const progress = (done: number): RunProgress => ({
  runId: '1',
  status: 'running',
  totals: { items: 2000, pending: 2000 - done - 3, running: 0, done, failed: 3, skipped: 0, promptTokens: 40_000, completionTokens: 5_600, costUsd: 0.0123 },
  concurrency: 8,
  itemsPerMinute: 3120,
  etaMs: 15_000,
  latencyMs: 120,
});

it('formats counts, money and durations compactly', () => {
  expect([compact(999), compact(45_600), compact(1_234_567)]).toEqual(['999', '46k', '1.23M']);
  expect([money(0), money(0.0000081), money(0.0123), money(12.345)]).toEqual(['$0', '$0.0000081', '$0.0123', '$12.35']);
  expect([duration(15_000), duration(3_725_000), duration(null)]).toEqual(['0:15', '1:02:05', '--:--']);
});

it('redraws one bar on a terminal: items, failed, tokens, cost, rate, ETA', () => {
  let text = '';
  const view = createProgressView({ write: (t: string) => (text += t), columns: 120 }, true);
  view.update(progress(1000));
  view.note('row 5 failed: HTTP 500');
  view.update(progress(1234));
  view.end();
  const frames = text.split('\r\x1b[2K').filter(Boolean);
  expect(frames.at(-1)).toMatch(/^\[#+-+\] 1,237\/2,000 {2}failed 3 {2}46k tok {2}\$0\.0123 {2}52\/s {2}ETA 0:15\n$/);
  expect(text).toContain('row 5 failed: HTTP 500\n');
});

it('writes plain lines, a few seconds apart, when not on a terminal', () => {
  let text = '';
  const view = createProgressView({ write: (t: string) => (text += t) }, false, 60_000);
  view.update(progress(10));
  view.update(progress(20)); // within the interval: not printed
  view.end();
  expect(text.split('\n').filter(Boolean)).toEqual([
    'progress: 13/2,000, failed 3, 46k tok, $0.0123, 52/s, ETA 0:15',
    'progress: 23/2,000, failed 3, 46k tok, $0.0123, 52/s, ETA 0:15',
  ]);
  expect(text).not.toContain('\x1b');
});

it("prints a run's own pause for its endpoint at each unanswered probe, how to stop once, and the resume", () => {
  const notes = pauseNotes('7');
  expect(notes({ type: 'paused' })).toEqual([]);
  expect(notes({ type: 'resumed' })).toEqual([]);
  const first = notes({ type: 'paused', reason: 'endpoint', message: 'the endpoint is not answering: paused (next try in 1 s)', retryInMs: 1000 });
  expect(first).toEqual([
    'the endpoint is not answering: paused (next try in 1 s)',
    'Waiting for it; Ctrl-C stops here, and `rowrunner resume 7` continues the run.',
  ]);
  expect(notes({ type: 'paused', reason: 'endpoint', message: 'the endpoint is not answering: paused (next try in 2 s)', retryInMs: 2000 })).toEqual([
    'the endpoint is not answering: paused (next try in 2 s)',
  ]);
  expect(notes({ type: 'resumed' })).toEqual(['the endpoint answers again: resumed']);
});
