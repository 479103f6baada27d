// Tool-call arguments generated from a tool's JSON-schema `parameters`: every property present
// (required and optional), types right, numbers within their bounds, enums respected, strings
// derived from the prompt so an output is recognisable as belonging to its item.
// Supported: type (also a list of types), properties, required, items, enum, const, anyOf/oneOf/
// allOf (first usable branch), local $ref (#/$defs/..., #/definitions/...), minimum/maximum and
// their exclusive forms, multipleOf for integers, minLength/maxLength, minItems/maxItems, and the
// string formats date, date-time, email, uri and uuid. `pattern` is not honoured.

import { prng } from './hash.ts';

type Schema = Record<string, unknown>;

const PROMPT_CHARS = 40;
const MAX_DEPTH = 8;

interface Ctx {
  root: Schema;
  prompt: string;
  rand: () => number;
}

/** Arguments for a tool whose parameters are `schema`, derived from `prompt` and seeded by `seed`. */
export function generateArguments(schema: unknown, prompt: string, seed: number): unknown {
  const root = isSchema(schema) ? schema : { type: 'object', properties: {} };
  const value = generate(root, '', { root, prompt: prompt.slice(0, PROMPT_CHARS), rand: prng(seed) }, 0);
  // Tool arguments are always a JSON object.
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function resolve(schema: Schema, ctx: Ctx): Schema {
  let s = schema;
  for (let hops = 0; hops < 16; hops++) {
    const ref = s.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      let target: unknown = ctx.root;
      for (const part of ref.slice(2).split('/')) {
        target = isSchema(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      }
      if (!isSchema(target)) return {};
      s = target;
      continue;
    }
    const branches = (s.anyOf ?? s.oneOf) as unknown;
    if (Array.isArray(branches) && branches.length > 0) {
      const usable = branches.filter(isSchema);
      const pick = usable.find((b) => b.type !== 'null') ?? usable[0];
      if (!pick) return {};
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      s = { ...rest, ...pick };
      continue;
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      const { allOf, ...rest } = s;
      let merged: Schema = rest;
      for (const part of allOf) {
        if (!isSchema(part)) continue;
        const r = resolve(part, ctx);
        merged = {
          ...merged,
          ...r,
          properties: { ...(merged.properties as Schema | undefined), ...(r.properties as Schema | undefined) },
          required: [...((merged.required as unknown[]) ?? []), ...((r.required as unknown[]) ?? [])],
        };
      }
      s = merged;
      continue;
    }
    return s;
  }
  return s;
}

function typeOf(s: Schema): string {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const nonNull = t.find((x) => x !== 'null');
    return typeof nonNull === 'string' ? nonNull : 'null';
  }
  if (isSchema(s.properties)) return 'object';
  if (s.items !== undefined) return 'array';
  if (typeof s.minimum === 'number' || typeof s.maximum === 'number') return 'number';
  return 'string';
}

function generate(input: Schema, name: string, ctx: Ctx, depth: number): unknown {
  const s = resolve(input, ctx);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[Math.floor(ctx.rand() * s.enum.length)];
  switch (typeOf(s)) {
    case 'object':
      return depth >= MAX_DEPTH ? {} : object(s, ctx, depth);
    case 'array':
      return depth >= MAX_DEPTH ? [] : array(s, name, ctx, depth);
    case 'integer':
      return integer(s, name, ctx);
    case 'number':
      return number(s, name, ctx);
    case 'boolean':
      return ctx.rand() < 0.5;
    case 'null':
      return null;
    default:
      return string(s, name, ctx);
  }
}

function object(s: Schema, ctx: Ctx, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = isSchema(s.properties) ? s.properties : {};
  for (const [key, sub] of Object.entries(props)) {
    out[key] = generate(isSchema(sub) ? sub : {}, key, ctx, depth + 1);
  }
  // Required names without a property schema still get a value.
  if (Array.isArray(s.required)) {
    for (const key of s.required) {
      if (typeof key === 'string' && !(key in out)) out[key] = string({}, key, ctx);
    }
  }
  return out;
}

function array(s: Schema, name: string, ctx: Ctx, depth: number): unknown[] {
  const min = typeof s.minItems === 'number' ? s.minItems : 0;
  const max = typeof s.maxItems === 'number' ? s.maxItems : Infinity;
  const length = Math.min(Math.max(2, min), max);
  const items = isSchema(s.items) ? s.items : {};
  const out: unknown[] = [];
  for (let i = 0; i < length; i++) out.push(generate(items, name, ctx, depth + 1));
  return out;
}

function bounds(s: Schema, name: string): [number, number, boolean, boolean] {
  let lo = typeof s.minimum === 'number' ? s.minimum : undefined;
  let hi = typeof s.maximum === 'number' ? s.maximum : undefined;
  let loOpen = false;
  let hiOpen = false;
  if (typeof s.exclusiveMinimum === 'number' && (lo === undefined || s.exclusiveMinimum >= lo)) {
    lo = s.exclusiveMinimum;
    loOpen = true;
  }
  if (typeof s.exclusiveMaximum === 'number' && (hi === undefined || s.exclusiveMaximum <= hi)) {
    hi = s.exclusiveMaximum;
    hiOpen = true;
  }
  const unit = /confidence|probability|score|ratio|certainty/i.test(name);
  if (lo === undefined && hi === undefined) return unit ? [0, 1, false, false] : [0, 100, false, false];
  if (lo === undefined) lo = Math.min(0, (hi as number) - 100);
  if (hi === undefined) hi = Math.max(lo + 100, unit ? 1 : 0);
  return [lo, hi, loOpen, hiOpen];
}

function number(s: Schema, name: string, ctx: Ctx): number {
  const [lo, hi, loOpen, hiOpen] = bounds(s, name);
  if (hi <= lo) return lo;
  let v = lo + ctx.rand() * (hi - lo);
  v = Math.round(v * 100) / 100;
  // Rounding must not leave the interval.
  if (v < lo || (loOpen && v <= lo) || v > hi || (hiOpen && v >= hi)) v = (lo + hi) / 2;
  return v;
}

function integer(s: Schema, name: string, ctx: Ctx): number {
  const [rlo, rhi, loOpen, hiOpen] = bounds(s, name);
  let lo = loOpen ? Math.floor(rlo) + 1 : Math.ceil(rlo);
  let hi = hiOpen ? Math.ceil(rhi) - 1 : Math.floor(rhi);
  const step = typeof s.multipleOf === 'number' && Number.isInteger(s.multipleOf) && s.multipleOf > 0 ? s.multipleOf : 1;
  lo = Math.ceil(lo / step) * step;
  hi = Math.floor(hi / step) * step;
  if (hi < lo) return lo;
  const slots = (hi - lo) / step + 1;
  return lo + Math.floor(ctx.rand() * slots) * step;
}

function string(s: Schema, name: string, ctx: Ctx): string {
  let text: string;
  switch (s.format) {
    case 'date':
      text = `2024-${pad(1 + Math.floor(ctx.rand() * 12))}-${pad(1 + Math.floor(ctx.rand() * 28))}`;
      break;
    case 'date-time':
      text = `2024-${pad(1 + Math.floor(ctx.rand() * 12))}-${pad(1 + Math.floor(ctx.rand() * 28))}T12:00:00Z`;
      break;
    case 'email':
      text = `${slug(name) || 'user'}@example.com`;
      break;
    case 'uri':
    case 'url':
      text = `https://example.com/${slug(name) || 'item'}`;
      break;
    case 'uuid': {
      let h = '';
      for (let i = 0; i < 32; i++) h += Math.floor(ctx.rand() * 16).toString(16);
      text = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
      break;
    }
    default:
      text = `Simulated ${name || 'value'}: ${ctx.prompt}`;
  }
  if (typeof s.maxLength === 'number' && text.length > s.maxLength) text = text.slice(0, Math.max(0, s.maxLength));
  if (typeof s.minLength === 'number' && text.length < s.minLength) text = text.padEnd(s.minLength, '.');
  return text;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}
