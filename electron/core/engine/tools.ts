// Function tools: their JSON-schema definitions, argument parsing and validation, and the Done value a
// tool handler returns to end its task.
//
// The validator covers the subset of JSON Schema that function-calling schemas use in practice (type,
// properties, required, additionalProperties, enum, const, items, minimum/maximum and their exclusive
// forms, minLength/maxLength, minItems/maxItems, anyOf/oneOf/allOf) and ignores other keywords. It is
// ours rather than a library's because the full validators compile schemas into code with
// `new Function` (a startup and security cost for a worker that only needs a few checks), and because
// its error messages go back to the model, so they should say plainly which argument is wrong and why.
import type { ToolSpec } from '../../../shared/domain.ts';

/** A tool definition carrying the type of its arguments (for `task.returning(tool)`). */
export interface Tool<A = unknown> extends ToolSpec {
  /** Never set: only carries the argument type. */
  readonly __args?: A;
}

/** Declares a tool whose validated arguments have type A. */
export function defineTool<A>(spec: { name: string; description?: string; parameters?: Record<string, unknown> }): Tool<A> {
  return { name: spec.name, description: spec.description ?? '', parameters: spec.parameters ?? { type: 'object', properties: {} } };
}

/** The argument type of a Tool. */
export type ToolArgs<T> = T extends Tool<infer A> ? A : never;

const DONE = Symbol('rowrunner.done');

/** What a tool handler returns to end its task: a final text, a value, or both. */
export interface Done<V = unknown> {
  readonly [DONE]: true;
  readonly content: string;
  readonly value?: V;
}

/**
 * Ends the task from a tool handler. `done('text')` ends with that text; `done(value)` ends with a value
 * (its content is the value as JSON text, or the value itself if it is a string).
 */
export function done<V = unknown>(contentOrValue?: V, value?: unknown): Done<V> {
  if (arguments.length >= 2) return { [DONE]: true, content: String(contentOrValue ?? ''), value: value as V };
  if (contentOrValue === undefined || contentOrValue === null) return { [DONE]: true, content: '' };
  if (typeof contentOrValue === 'string') return { [DONE]: true, content: contentOrValue };
  return { [DONE]: true, content: safeJson(contentOrValue), value: contentOrValue };
}

export function isDone(x: unknown): x is Done {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DONE] === true;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Freezes an object graph in place, so that shared tool definitions cannot be changed by anyone. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export type ArgsCheck = { ok: true; args: unknown } | { ok: false; error: string };

/** Parses a tool call's raw argument text and validates it against the tool's parameter schema. */
export function parseToolArguments(tool: ToolSpec, raw: string): ArgsCheck {
  let args: unknown;
  const text = raw.trim() === '' ? '{}' : raw;
  try {
    args = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `the arguments of "${tool.name}" are not valid JSON (${(e as Error).message})` };
  }
  const errors = validateJsonSchema(tool.parameters ?? {}, args);
  if (errors.length) return { ok: false, error: `invalid arguments for "${tool.name}": ${errors.slice(0, 8).join('; ')}` };
  return { ok: true, args };
}

type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
  const t = typeOf(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

function show(v: unknown): string {
  const s = safeJson(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Validates a value against the supported subset of JSON Schema; returns the errors found (none = valid). */
export function validateJsonSchema(schema: unknown, value: unknown, path = 'arguments'): string[] {
  const errors: string[] = [];
  check(schema, value, path, undefined, errors);
  return errors;
}

/**
 * Appends the errors of `value` against `schema` to `errors`. The value's path is `parent` plus `key`
 * (`.key` or `[i]`), put together only when an error or a nested value needs it: every tool call of
 * every item is checked, and most are valid.
 */
function check(schema: unknown, value: unknown, parent: string, key: string | number | undefined, errors: string[]): void {
  if (schema === true || schema === undefined || schema === null) return;
  if (schema === false) {
    errors.push(`${pathOf(parent, key)} is not allowed`);
    return;
  }
  if (typeof schema !== 'object') return;
  const s = schema as Schema;

  if (s.type !== undefined) {
    const ok = Array.isArray(s.type) ? (s.type as string[]).some((t) => matchesType(value, t)) : matchesType(value, s.type as string);
    if (!ok) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      errors.push(`${pathOf(parent, key)} must be ${types.join(' or ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) {
    errors.push(`${pathOf(parent, key)} must be one of ${s.enum.map(show).join(', ')}`);
  }
  if ('const' in s && !deepEqual(s.const, value)) errors.push(`${pathOf(parent, key)} must be ${show(s.const)}`);

  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${pathOf(parent, key)} must be >= ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${pathOf(parent, key)} must be <= ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) errors.push(`${pathOf(parent, key)} must be > ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) errors.push(`${pathOf(parent, key)} must be < ${s.exclusiveMaximum}`);
  }
  if (typeof value === 'string' && (typeof s.minLength === 'number' || typeof s.maxLength === 'number')) {
    const length = codePoints(value);
    if (typeof s.minLength === 'number' && length < s.minLength) errors.push(`${pathOf(parent, key)} must have at least ${s.minLength} characters`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) errors.push(`${pathOf(parent, key)} must have at most ${s.maxLength} characters`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${pathOf(parent, key)} must have at least ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${pathOf(parent, key)} must have at most ${s.maxItems} items`);
    if (s.items !== undefined && !Array.isArray(s.items)) {
      const here = pathOf(parent, key);
      for (let i = 0; i < value.length; i++) check(s.items, value[i], here, i, errors);
    }
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (typeof s.properties === 'object' && s.properties !== null ? s.properties : {}) as Record<string, unknown>;
    if (Array.isArray(s.required)) {
      for (const k of s.required as string[]) if (!(k in obj) || obj[k] === undefined) errors.push(`${pathOf(parent, key)}.${k} is required`);
    }
    const here = pathOf(parent, key);
    for (const k in obj) {
      if (!Object.hasOwn(obj, k)) continue;
      const v = obj[k];
      if (Object.hasOwn(props, k)) check(props[k], v, here, k, errors);
      else if (s.additionalProperties === false) errors.push(`${here}.${k} is not an allowed property`);
      else if (typeof s.additionalProperties === 'object') check(s.additionalProperties, v, here, k, errors);
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) check(sub, value, pathOf(parent, key), undefined, errors);
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validateJsonSchema(sub, value, pathOf(parent, key)).length === 0)) {
    errors.push(`${pathOf(parent, key)} matches none of the allowed forms`);
  }
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => validateJsonSchema(sub, value, pathOf(parent, key)).length === 0).length !== 1) {
    errors.push(`${pathOf(parent, key)} must match exactly one of the allowed forms`);
  }
}

function pathOf(parent: string, key: string | number | undefined): string {
  return key === undefined ? parent : typeof key === 'number' ? `${parent}[${key}]` : `${parent}.${key}`;
}

/** A string's length in code points (what JSON Schema's minLength and maxLength count). */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
