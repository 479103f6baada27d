// The run-option flags (--batch-size, --turns, --max-cost, …), checked against the shared run-options
// schema: what a flag accepts, its default and its message all come from RunOptionsSchema, so the CLI
// cannot drift from what the service accepts.
import { z } from 'zod';
import { RunOptionsSchema, type RunOptionsInput } from '../../../shared/domain.ts';
import { str, type Options, type Values } from './args.ts';
import { UsageError } from './errors.ts';

type Key = keyof typeof RunOptionsSchema.shape;

/** Each run-option flag and the run option it sets. */
export const RUN_FLAGS = {
  'batch-size': 'batchSize',
  sequential: 'sequential',
  turns: 'turns',
  'on-error': 'onError',
  'max-cost': 'maxCost',
  'max-tokens': 'maxTokens',
  rpm: 'rpm',
  tpm: 'tpm',
  timeout: 'timeoutMs',
  'no-cache': 'cache',
} as const satisfies Record<string, Key>;
type Flag = keyof typeof RUN_FLAGS;

/** Flags that take no value: present sets their option (--no-cache turns the cache off). */
const SWITCHES: Partial<Record<Flag, boolean>> = { sequential: true, 'no-cache': false };

/** Flags given in seconds for an option kept in milliseconds: a person thinks of a timeout in seconds. */
const IN_SECONDS: ReadonlySet<Flag> = new Set(['timeout']);

/** The options a run gets when no flag is given. */
export const DEFAULT_RUN_OPTIONS = RunOptionsSchema.parse({});

export const RUN_FLAG_OPTIONS: Options = Object.fromEntries(
  (Object.keys(RUN_FLAGS) as Flag[]).map((flag) => [flag, { type: flag in SWITCHES ? 'boolean' : 'string' }]),
);

interface JsonRule {
  type?: string;
  enum?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

function ruleOf(key: Key): JsonRule {
  return z.toJSONSchema(RunOptionsSchema.shape[key], { io: 'input', unrepresentable: 'any' }) as JsonRule;
}

/** What a flag accepts, in words: "an integer from 1 to 4096", "a positive number", "stop or continue". */
export function accepts(key: Key): string {
  const r = ruleOf(key);
  if (r.enum) return r.enum.join(' or ');
  const int = r.type === 'integer';
  const max = r.maximum !== undefined && r.maximum < Number.MAX_SAFE_INTEGER ? r.maximum : undefined;
  const min = r.exclusiveMinimum !== undefined ? (int ? r.exclusiveMinimum + 1 : undefined) : r.minimum;
  if (r.exclusiveMinimum === 0 && max === undefined) return int ? 'a positive integer' : 'a positive number';
  const kind = int ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} ≥ ${min}`;
  if (r.exclusiveMinimum !== undefined) return `${kind} above ${r.exclusiveMinimum}${max !== undefined ? ` and at most ${max}` : ''}`;
  if (max !== undefined) return `${kind} ≤ ${max}`;
  return kind;
}

/** What a flag accepts, in words; a flag in seconds says so ("a number of seconds above 0, at most 3600"). */
export function flagAccepts(flag: Flag): string {
  const key = RUN_FLAGS[flag];
  if (!IN_SECONDS.has(flag)) return accepts(key);
  const r = ruleOf(key);
  return `a number of seconds above 0${r.maximum !== undefined ? `, at most ${r.maximum / 1000}` : ''}`;
}

/**
 * The run options the flags give (only those given), checked by RunOptionsSchema; a wrong one is a
 * UsageError naming the flag, what it accepts and what it got. `only` limits it to some flags (resume's budgets).
 */
export function runOptionsFromFlags(v: Values, only: readonly Flag[] = Object.keys(RUN_FLAGS) as Flag[]): RunOptionsInput {
  const given: Record<string, unknown> = {};
  const raws = new Map<string, string>();
  for (const flag of only) {
    const key = RUN_FLAGS[flag];
    const set = SWITCHES[flag];
    if (set !== undefined) {
      if (v[flag] === true) given[key] = set;
      continue;
    }
    const raw = str(v, flag);
    if (raw === undefined) continue;
    raws.set(key, raw);
    if (ruleOf(key).enum) {
      given[key] = raw;
      continue;
    }
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} needs ${flagAccepts(flag)}, got "${raw}"`);
    given[key] = IN_SECONDS.has(flag) ? Math.round(n * 1000) : n;
  }
  const parsed = RunOptionsSchema.partial().safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as Key;
    const flag = (Object.keys(RUN_FLAGS) as Flag[]).find((f) => RUN_FLAGS[f] === key)!;
    const raw = raws.get(key);
    // A rule of the schema's own (a refinement) says it best in its own words.
    if (issue.code === 'custom') throw new UsageError(`--${flag} ${issue.message}, got "${raw}"`);
    throw new UsageError(`--${flag} ${ruleOf(key).enum ? 'must be' : 'needs'} ${flagAccepts(flag)}, got "${raw}"`);
  }
  return given as RunOptionsInput;
}
