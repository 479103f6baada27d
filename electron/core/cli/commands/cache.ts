// rowrunner cache: the response cache of the database (answers kept under their request's key, reused
// by every run over it): its size, and `cache clear [--older-than 30d]` to forget answers.
import { COMMON, parse, str } from '../args.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { withService } from '../open-service.ts';
import { money } from '../progress.ts';
import { help } from './help.ts';
import { count } from '../../../../shared/plural.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "30d", "12h", "90m", "2w" in ms; anything else is a UsageError naming the flag. */
export function parseAge(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/i.exec(raw);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2].toLowerCase() as keyof typeof UNIT_MS] : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new UsageError(`--older-than needs an age such as 30d, 12h, 90m or 2w (minutes, hours, days, weeks), got "${raw}"`);
  }
  return ms;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export async function cacheCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse('cache', args, { ...COMMON, 'older-than': { type: 'string' } });
  if (v.help) return help(io);
  const [action, ...extra] = positionals;
  if (extra.length || (action !== undefined && action !== 'clear')) {
    throw new UsageError(`cache: unexpected argument ${extra[0] ?? action} (rowrunner cache, or rowrunner cache clear [--older-than 30d])`);
  }
  const olderThan = str(v, 'older-than');
  if (action !== 'clear') {
    if (olderThan !== undefined) throw new UsageError('cache: --older-than goes with clear (rowrunner cache clear --older-than 30d)');
    return withService(v, io.env, (svc) => {
      const s = svc.cacheSize();
      if (v.json) {
        io.stdout.write(`${JSON.stringify({ db: svc.dbPath, ...s })}\n`);
        return EXIT.ok;
      }
      const when = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
      const span = s.entries ? `, kept ${when(s.oldestAt)} to ${when(s.newestAt)}` : '';
      io.stdout.write(`Response cache in ${svc.dbPath}: ${count(s.entries, 'answer')}, ${size(s.bytes)}, paid ${money(s.costUsd)} when sent${span}\n`);
      return EXIT.ok;
    }, undefined, 'read');
  }
  const age = olderThan === undefined ? undefined : parseAge(olderThan);
  return withService(v, io.env, (svc) => {
    const cleared = svc.clearCache(age === undefined ? {} : { before: Date.now() - age });
    if (v.json) io.stdout.write(`${JSON.stringify({ db: svc.dbPath, cleared })}\n`);
    else io.stdout.write(`Cleared ${count(cleared, 'answer')} from the response cache${olderThan ? ` kept more than ${olderThan.trim()} ago` : ''}.\n`);
    return EXIT.ok;
  }, undefined, 'write');
}
