// Parsing a command's flags and positionals, and the checks every command shares (RUN_ID, --out).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export const COMMON: Options = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
export const BUDGET: Options = {
  'max-cost': { type: 'string' },
  'max-tokens': { type: 'string' },
};

export function parse(command: string, args: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '.')}`);
  }
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

export function number(v: Values, name: string, kind: 'int' | 'positive-int' | 'positive' | 'turns'): number | undefined {
  const raw = str(v, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(n) &&
    (kind === 'positive' ? n > 0 : kind === 'positive-int' ? Number.isInteger(n) && n > 0 : kind === 'turns' ? Number.isInteger(n) && n >= -1 && n !== 0 : Number.isInteger(n));
  if (!ok) {
    const want = { int: 'an integer', 'positive-int': 'a positive integer', positive: 'a positive number', turns: '-1 (no limit) or an integer ≥ 1' }[kind];
    throw new UsageError(`--${name} needs ${want}, got "${raw}"`);
  }
  return n;
}

const FORMATS = { '.xlsx': 'xlsx', '.csv': 'csv', '.jsonl': 'jsonl' } as const;

/** Checks --out before anything runs: a known extension, a folder that exists. */
export function checkOut(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!file.trim()) throw new UsageError('--out needs a file name');
  const ext = path.extname(file).toLowerCase();
  if (!(ext in FORMATS)) throw new UsageError(`--out ${file}: the name must end in .xlsx, .csv or .jsonl (the format follows it)`);
  const full = path.resolve(file);
  const parent = path.dirname(full);
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) throw new UsageError(`--out ${file}: the folder ${parent} does not exist`);
  if (fs.existsSync(full) && fs.statSync(full).isDirectory()) throw new UsageError(`--out ${file}: is a folder`);
  return full;
}

export function runIdArg(command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`${command}: which run? Give its RUN_ID (see \`rowrunner runs\`)`);
  if (positionals.length > 1) throw new UsageError(`${command}: one RUN_ID expected, got ${positionals.join(' ')}`);
  const id = positionals[0];
  if (!/^\d+$/.test(id)) throw new UsageError(`${command}: RUN_ID must be a number (see \`rowrunner runs\`), got "${id}"`);
  return id;
}
