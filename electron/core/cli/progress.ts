// Live progress of a run on stderr: a redrawn bar on a terminal (items, failed, tokens, cost, rate,
// ETA), plain lines every few seconds otherwise (logs, CI, pipes).
import type { RunProgress } from '../../../shared/contract.ts';
import type { BatchEvent } from '../../../shared/domain.ts';

export interface ProgressView {
  update(p: RunProgress): void;
  /** A line of its own (an item failure, a notice), kept above the bar. */
  note(line: string): void;
  /** Draws the last state for good and ends the line. */
  end(): void;
}

interface Out {
  write(text: string): unknown;
  columns?: number;
}

export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

export function money(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.000001) return '<$0.000001';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '--:--';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function summary(p: RunProgress): { finished: number; parts: string[] } {
  const t = p.totals;
  const finished = t.done + t.failed;
  const rate = p.itemsPerMinute / 60;
  const parts = [
    `${finished.toLocaleString('en-US')}/${t.items.toLocaleString('en-US')}`,
    `failed ${t.failed}`,
    ...(t.skipped ? [`skipped ${t.skipped}`] : []),
    `${compact(t.promptTokens + t.completionTokens)} tok`,
    money(t.costUsd),
    `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`,
    `ETA ${duration(p.etaMs)}`,
  ];
  return { finished, parts };
}

export function createProgressView(out: Out, tty: boolean, plainEveryMs = 2000): ProgressView {
  let last: RunProgress | undefined;
  let lastPlain = 0;
  let drawn = false;

  const bar = (p: RunProgress): string => {
    const { finished, parts } = summary(p);
    const columns = out.columns && out.columns >= 40 ? out.columns : 120; // 0 when the terminal size is unknown
    const width = Math.max(10, Math.min(30, columns - 70));
    const filled = p.totals.items ? Math.round((finished / p.totals.items) * width) : width;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${parts.join('  ')}${p.status === 'paused' ? '  (paused)' : ''}`;
    return line.slice(0, columns - 1);
  };

  const draw = (): void => {
    if (!last) return;
    out.write(`\r\x1b[2K${bar(last)}`);
    drawn = true;
  };

  const plain = (p: RunProgress): void => {
    const { parts } = summary(p);
    out.write(`progress: ${parts.join(', ')}\n`);
  };

  return {
    update(p) {
      last = p;
      if (tty) draw();
      else if (Date.now() - lastPlain >= plainEveryMs) {
        lastPlain = Date.now();
        plain(p);
      }
    },
    note(line) {
      if (tty && drawn) out.write('\r\x1b[2K');
      out.write(`${line}\n`);
      if (tty) draw();
    },
    end() {
      if (!last) return;
      if (tty) {
        draw();
        out.write('\n');
      } else plain(last);
    },
  };
}

type PauseEvent = Extract<BatchEvent, { type: 'paused' | 'resumed' }>;

/**
 * The lines the CLI prints as a run pauses itself because its endpoint is not answering (at each
 * probe that goes unanswered) and as it goes on again. A user's pause is shown by the bar alone.
 */
export function pauseNotes(runId: string): (e: PauseEvent) => string[] {
  let waiting = false;
  let told = false;
  return (e) => {
    if (e.type === 'resumed') {
      if (!waiting) return [];
      waiting = false;
      return ['the endpoint answers again: resumed'];
    }
    if (e.reason !== 'endpoint') return [];
    waiting = true;
    const lines = [e.message ?? 'the endpoint is not answering: paused'];
    if (!told) lines.push(`Waiting for it; Ctrl-C stops here, and \`rowrunner resume ${runId}\` continues the run.`);
    told = true;
    return lines;
  };
}
