import { describe, expect, it } from 'vitest';
import { generateArguments } from './schema-args.ts';
import { parseDirectives } from './directives.ts';
import { drawFault } from './faults.ts';
import { SlidingWindow, formatReset } from './rate-limit.ts';

describe('generateArguments', () => {
  const schema = {
    type: 'object',
    properties: {
      answer: { type: 'string' },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      count: { type: 'integer', minimum: 3, maximum: 7 },
      open: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.01 },
      even: { type: 'integer', minimum: 1, maximum: 9, multipleOf: 2 },
      flag: { type: 'boolean' },
      label: { type: 'string', enum: ['yes', 'no', 'maybe'] },
      short: { type: 'string', maxLength: 5 },
      long: { type: 'string', minLength: 200 },
      tags: { type: 'array', items: { type: 'string' }, minItems: 3, maxItems: 4 },
      nested: {
        type: 'object',
        properties: { score: { type: 'number' }, when: { type: 'string', format: 'date' }, deep: { $ref: '#/$defs/deep' } },
        required: ['score'],
      },
      maybe: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 10, maximum: 10 }] },
      nullable: { type: ['string', 'null'] },
    },
    required: ['answer', 'confidence', 'missing'],
    $defs: { deep: { type: 'object', properties: { ok: { const: true } } } },
  };

  it('fills every property with the right type and within bounds', () => {
    const prompt = 'Is this review positive? "Great product, would buy again"';
    const args = generateArguments(schema, prompt, 42) as Record<string, any>;
    expect(args.answer).toBe(`Simulated answer: ${prompt.slice(0, 40)}`);
    expect(args.confidence).toBeGreaterThanOrEqual(0);
    expect(args.confidence).toBeLessThanOrEqual(1);
    expect(Number.isInteger(args.count) && args.count >= 3 && args.count <= 7).toBe(true);
    expect(args.open > 0 && args.open < 0.01).toBe(true);
    expect([2, 4, 6, 8]).toContain(args.even);
    expect(typeof args.flag).toBe('boolean');
    expect(['yes', 'no', 'maybe']).toContain(args.label);
    expect(args.short.length).toBeLessThanOrEqual(5);
    expect(args.long.length).toBeGreaterThanOrEqual(200);
    expect(args.tags.length).toBe(3);
    expect(args.tags.every((t: unknown) => typeof t === 'string')).toBe(true);
    expect(args.nested.score).toBeGreaterThanOrEqual(0);
    expect(args.nested.score).toBeLessThanOrEqual(1);
    expect(args.nested.when).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(args.nested.deep).toEqual({ ok: true });
    expect(args.maybe).toBe(10);
    expect(typeof args.nullable).toBe('string');
    expect(typeof args.missing).toBe('string');
  });

  it('is deterministic per seed and varies across seeds', () => {
    expect(generateArguments(schema, 'p', 1)).toEqual(generateArguments(schema, 'p', 1));
    const many = new Set(Array.from({ length: 20 }, (_, i) => JSON.stringify(generateArguments(schema, 'p', i))));
    expect(many.size).toBeGreaterThan(1);
  });

  it('gives an object for missing or odd schemas', () => {
    expect(generateArguments(undefined, 'p', 1)).toEqual({});
    expect(generateArguments({ type: 'object' }, 'p', 1)).toEqual({});
    const rec = { type: 'object', properties: { self: { $ref: '#' } } };
    expect(() => JSON.stringify(generateArguments(rec, 'p', 1))).not.toThrow();
  });
});

describe('parseDirectives', () => {
  it('reads every directive and is null without any', () => {
    expect(parseDirectives('plain prompt')).toBeNull();
    expect(parseDirectives('a [[sleep:250]] b [[status:500x2]] [[badargsx3]] [[text]]')).toEqual({
      sleepMs: 250, status: 500, statusTimes: 2, hang: false, hangTimes: Infinity, drop: false, dropTimes: Infinity, badArgsTimes: 3, text: true, echoKey: false,
    });
    const d = parseDirectives('[[hang]]', '[[drop]] [[badargs]] [[status:429]]');
    expect(d).toMatchObject({ hang: true, hangTimes: Infinity, drop: true, dropTimes: Infinity, badArgsTimes: 1, status: 429, statusTimes: Infinity });
    expect(parseDirectives('[[hangx2]] [[drop x 3]]')).toMatchObject({ hang: true, hangTimes: 2, drop: true, dropTimes: 3 });
  });
});

describe('drawFault', () => {
  it('stacks the rates', () => {
    const rates = { error500: 0.1, drop: 0.2 };
    expect(drawFault(rates, 0.05)).toBe('drop');
    expect(drawFault(rates, 0.25)).toBe('error500');
    expect(drawFault(rates, 0.35)).toBeNull();
    expect(drawFault(undefined, 0)).toBeNull();
  });
});

describe('SlidingWindow', () => {
  it('admits rpm requests per 60 s and frees slots as they age', () => {
    const w = new SlidingWindow();
    expect(w.take(0, 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(w.take(10_000, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(w.take(20_000, 2)).toMatchObject({ allowed: false, resetMs: 40_000 });
    expect(w.take(60_000, 2).allowed).toBe(true);
    expect(formatReset(360_000)).toBe('6m0s');
  });

  it('keeps the rate over a shorter window: 600 rpm over 6 s admits 60 per 6 s', () => {
    const w = new SlidingWindow();
    for (let i = 0; i < 60; i++) expect(w.take(i, 600, 6000)).toMatchObject({ allowed: true, limit: 600, remaining: 59 - i });
    expect(w.take(100, 600, 6000)).toMatchObject({ allowed: false, remaining: 0, resetMs: 5900 });
    expect(w.take(6000, 600, 6000).allowed).toBe(true);
    expect(w.take(6000, 600, 6000).allowed).toBe(false);
    expect(formatReset(1500)).toBe('2s');
  });
});
