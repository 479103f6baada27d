// The fast key (shared canonical JSON, one-shot hash, shared wire tools) against its definition: the
// plain canonicalJson of {v, endpoint, body} hashed with sha256. Any byte of difference would make a
// run miss every answer kept before it, or a batch and a live call disagree.
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ChatRequest } from '../llm.ts';
import { deepFreeze } from '../tools.ts';
import { toBody } from '../wire.ts';
import { canonicalJson, sharedCanonicalJson } from './canonical.ts';
import { CACHE_KEY_VERSION, cacheKey, cacheKeyOfBody, canonicalBaseUrl } from './key.ts';

const URL = 'http://127.0.0.1:9/v1/';

function plainKey(baseURL: string, body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ v: CACHE_KEY_VERSION, endpoint: canonicalBaseUrl(baseURL), body }))
    .digest('hex');
}

const schema = {
  type: 'object',
  properties: {
    answer: { type: 'string', description: 'Ünïcödé, "quoted", \\ back\\slash, \n newline, \u2028, emoji 🐳, lone \ud800' },
    confidence: { type: 'number', minimum: -0, maximum: 1, multipleOf: 1e-7 },
    big: { type: 'integer', maximum: 1e21, default: 9007199254740991 },
    tags: { type: 'array', items: { enum: ['a', 1, null, true, 2.5e-10] } },
    '10': { const: 'numeric-like key' },
    '9': { const: 'sorts after 10 as text' },
    'a"b': { description: undefined, title: 'a key that needs escaping' },
  },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};
const frozenTools = deepFreeze([
  { name: 'answer', description: 'Give the answer', parameters: structuredClone(schema) },
  { name: 'lookup', description: '', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
]);
const looseTools = [{ name: 'answer', description: 'Give the answer', parameters: structuredClone(schema) }];

const turn = (i: number): ChatRequest['messages'] => [
  { role: 'system', content: 'You classify. Réponds en français si la question l’est. 日本語もOK.' },
  { role: 'user', content: `Question ${i}: is a whale a fish? \u0000\u001f\t` },
  { role: 'assistant', content: null, toolCalls: [{ id: `call_${i}`, name: 'lookup', arguments: '{"q":"whale 🐋"}' }] },
  { role: 'tool', content: i % 2 ? 'mammal' : null, toolCallId: `call_${i}` },
  { role: 'assistant', content: 'Let me answer.' },
  { role: 'user', content: null },
];

const requests: ChatRequest[] = [
  { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plain' }] },
  { model: 'gpt-4o-mini', messages: turn(1), tools: frozenTools, toolChoice: 'answer', temperature: 0, maxTokens: 100 },
  { model: 'gpt-4o-mini', messages: turn(2), tools: frozenTools, temperature: 0.7 },
  { model: 'openai/gpt-5-mini', messages: turn(3), tools: frozenTools, temperature: 1e-7 },
  { model: 'o3', messages: turn(4), tools: looseTools, toolChoice: 'answer', temperature: -0, maxTokens: 0 },
  { model: 'llama3.1:8b', messages: turn(5), tools: [], temperature: undefined, maxTokens: 2 ** 31 },
  { model: 'unicode-🐳', messages: [{ role: 'system', content: '' }, { role: 'user', content: '\ud83d' }] },
];

it('gives every request the key of its plain canonical JSON, the first time and once its shared parts are remembered', () => {
  for (let pass = 0; pass < 2; pass++) {
    for (const r of requests) {
      const body = toBody(r);
      expect(sharedCanonicalJson(body)).toBe(canonicalJson(body));
      expect(cacheKey(URL, r)).toBe(plainKey(URL, body));
      expect(cacheKeyOfBody(URL, body)).toBe(plainKey(URL, body));
    }
  }
});

it('keeps the keys stored by earlier versions', () => {
  // Computed by the key as it was before its fast path (4fb4610).
  const stored = {
    tools: { model: 'gpt-4o-mini', messages: turn(1), tools: frozenTools, toolChoice: 'answer', temperature: 0, maxTokens: 100 },
    plain: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plain' }] },
  } satisfies Record<string, ChatRequest>;
  expect(cacheKey(URL, stored.tools)).toBe('276b692f9602f9033d564d8954321c8fe8aa9dc8c57eeffaa88f5a530066b7eb');
  expect(cacheKey(URL, stored.plain)).toBe('870f94df847e18e5b7500d628870817f9a81c44a1f76b75f0f7769ec055131be');
});

it('keys bodies the live client never builds (response formats, any JSON) as the plain form does', () => {
  const holey: unknown[] = new Array(3);
  holey[0] = 1;
  holey[2] = 3;
  const format = deepFreeze({ type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: structuredClone(schema) } });
  const bodies: unknown[] = [
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], response_format: format },
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' }, seed: 42, stop: ['\n', undefined] },
    Object.freeze({ nested: Object.freeze([Object.freeze({ b: 1, a: holey }), new Date(0), [[], {}], -1.5e-300]) }),
    undefined,
    'a string body',
  ];
  for (let pass = 0; pass < 2; pass++) {
    for (const body of bodies) {
      expect(sharedCanonicalJson(body)).toBe(canonicalJson(body));
      expect(cacheKeyOfBody(URL, body)).toBe(plainKey(URL, body));
    }
  }
});

it('never serves a remembered text for an object that can still change', () => {
  // Frozen, holding something that is not.
  const inner = { label: 'first' };
  const shell = Object.freeze({ inner, n: 1 });
  expect(sharedCanonicalJson(shell)).toBe(canonicalJson(shell));
  inner.label = 'second';
  expect(sharedCanonicalJson(shell)).toBe('{"inner":{"label":"second"},"n":1}');

  // Frozen, with a getter that answers differently each time.
  let reads = 0;
  const counting = Object.freeze({
    get n() {
      return ++reads;
    },
  });
  const first = sharedCanonicalJson(counting);
  expect(sharedCanonicalJson(counting)).not.toBe(first);

  // A frozen tools array whose parameters are not frozen: editing them changes the body and the key.
  const params = { type: 'object', properties: { q: { type: 'string' } } as Record<string, unknown> };
  const tools = Object.freeze([Object.freeze({ name: 't', description: 'd', parameters: params })]);
  const request: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tools };
  const before = cacheKey(URL, request);
  params.properties.extra = { type: 'number' };
  const after = cacheKey(URL, request);
  expect(after).not.toBe(before);
  expect(after).toBe(plainKey(URL, toBody(request)));
});

it('agrees with the plain form over many random values, some of their parts frozen and met again', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const shared: unknown[] = [];
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.35) return pick([0, -0, 1.5, -2e-9, 1e300, NaN, Infinity, '', 'é', '"\\', '🐳', '\ud800', true, false, null, undefined]);
    if (r < 0.45 && shared.length) return pick(shared);
    const made: unknown =
      r < 0.7
        ? Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1))
        : Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(['b', 'a', '10', '2', 'é', 'A', '', 'z"']), value(depth + 1)]));
    if (random() < 0.5) {
      deepFreeze(made);
      shared.push(made);
    }
    return made;
  };
  for (let i = 0; i < 500; i++) {
    const v = value(0);
    expect(sharedCanonicalJson(v)).toBe(canonicalJson(v));
  }
});

it('builds the wire tools of a frozen tools array once and sends them as before', () => {
  const a = toBody({ model: 'gpt-4o-mini', messages: [], tools: frozenTools });
  const b = toBody({ model: 'gpt-4o-mini', messages: [], tools: frozenTools });
  expect(b.tools).toBe(a.tools);
  expect(Object.isFrozen(a.tools)).toBe(true);
  expect(a.tools).toEqual(frozenTools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })));
  const loose = toBody({ model: 'gpt-4o-mini', messages: [], tools: looseTools });
  expect(toBody({ model: 'gpt-4o-mini', messages: [], tools: looseTools }).tools).not.toBe(loose.tools);
});
