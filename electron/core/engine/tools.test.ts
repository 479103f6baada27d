import { describe, expect, it } from 'vitest';
import { costOf, lookupPrice } from './pricing.ts';
import { deepFreeze, done, isDone, parseToolArguments, validateJsonSchema } from './tools.ts';

describe('validateJsonSchema', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      score: { type: 'number', minimum: 0, maximum: 1 },
      count: { type: 'integer' },
      kind: { enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
      nested: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false },
      maybe: { type: ['string', 'null'] },
    },
    required: ['name', 'score'],
    additionalProperties: false,
  };

  it('accepts valid values', () => {
    expect(validateJsonSchema(schema, { name: 'x', score: 0.5, count: 3, kind: 'a', tags: ['t'], nested: { ok: true }, maybe: null })).toEqual([]);
  });

  it('names each problem', () => {
    const errors = validateJsonSchema(schema, { score: 2, count: 1.5, kind: 'c', tags: ['a', 1, 'c'], nested: {}, extra: 1 });
    expect(errors).toEqual(
      expect.arrayContaining([
        'arguments.name is required',
        'arguments.score must be <= 1',
        'arguments.count must be integer, got number',
        'arguments.kind must be one of "a", "b"',
        'arguments.tags must have at most 2 items',
        'arguments.tags[1] must be string, got integer',
        'arguments.nested.ok is required',
        'arguments.extra is not an allowed property',
      ]),
    );
  });

  it('handles anyOf, const and exclusive bounds', () => {
    expect(validateJsonSchema({ anyOf: [{ type: 'string' }, { type: 'number' }] }, true)).toEqual(['arguments matches none of the allowed forms']);
    expect(validateJsonSchema({ const: 3 }, 3)).toEqual([]);
    expect(validateJsonSchema({ type: 'number', exclusiveMinimum: 0 }, 0)).toEqual(['arguments must be > 0']);
  });
});

describe('parseToolArguments', () => {
  const tool = { name: 'answer', description: '', parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } };
  it('parses and validates', () => {
    expect(parseToolArguments(tool, '{"a":"x"}')).toEqual({ ok: true, args: { a: 'x' } });
    const bad = parseToolArguments(tool, '{"a":');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/not valid JSON/);
    const wrong = parseToolArguments(tool, '{"a":1}');
    expect(!wrong.ok && wrong.error).toBe('invalid arguments for "answer": arguments.a must be string, got integer');
  });
  it('reads empty arguments as {}', () => {
    expect(parseToolArguments({ ...tool, parameters: { type: 'object' } }, '')).toEqual({ ok: true, args: {} });
  });
});

describe('done and deepFreeze', () => {
  it('carries content or a value', () => {
    expect(done('text')).toMatchObject({ content: 'text' });
    expect(done({ a: 1 })).toMatchObject({ content: '{"a":1}', value: { a: 1 } });
    expect(isDone(done())).toBe(true);
    expect(isDone('done')).toBe(false);
  });
  it('freezes all the way down', () => {
    const o = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(o.a.b[1])).toBe(true);
  });
});

describe('pricing', () => {
  it('matches the longest prefix at a dash', () => {
    expect(lookupPrice('gpt-4o-mini-2024-07-18').source).toBe('gpt-4o-mini');
    expect(lookupPrice('gpt-4o-2024-08-06').source).toBe('gpt-4o');
    expect(lookupPrice('gpt-4.1-nano').source).toBe('gpt-4.1-nano');
    expect(lookupPrice('o3-mini').source).toBe('o3-mini');
    expect(lookupPrice('o3-2025-04-16').source).toBe('o3');
    expect(lookupPrice('openai/gpt-5-mini').source).toBe('gpt-5-mini');
    expect(lookupPrice('gpt-5').pricing).toEqual({ inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 });
  });
  it('flags an unknown model and prices it at 0; an override wins', () => {
    const unknown = lookupPrice('llama3.1:8b');
    expect(unknown.known).toBe(false);
    expect(costOf({ promptTokens: 1e6, completionTokens: 1e6 }, unknown.pricing)).toBe(0);
    const custom = lookupPrice('llama3.1:8b', { inputPerMTok: 1, outputPerMTok: 2 });
    expect(custom.known).toBe(true);
    expect(costOf({ promptTokens: 500_000, completionTokens: 250_000 }, custom.pricing)).toBeCloseTo(1);
  });
});
