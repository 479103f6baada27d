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

/**
 * `--turns -1` as `--turns=-1`: parseArgs takes a value that starts with a dash for another option
 * ("argument is ambiguous"), and a negative number is never one.
 */
function joinNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

export function parse(command: string, args: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '.')}`);
  }
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** An integer flag that is not a run option (simulate's --port, --latency). */
export function integer(v: Values, name: string): number | undefined {
  const raw = str(v, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(n)) throw new UsageError(`--${name} needs an integer, got "${raw}"`);
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
