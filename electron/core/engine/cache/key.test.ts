import { expect, it } from 'vitest';
import type { ChatRequest } from '../llm.ts';
import { toBody } from '../wire.ts';
import { cacheKey, cacheKeyOfBody, canonicalJson } from './key.ts';

const base: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You classify.' },
    { role: 'user', content: 'Is a whale a fish?' },
  ],
  tools: [{ name: 'answer', description: 'Give the answer', parameters: { type: 'object', properties: { label: { type: 'string' } } } }],
  toolChoice: 'answer',
  temperature: 0,
  maxTokens: 100,
};
const URL = 'http://127.0.0.1:9/v1';

it('sorts keys at every depth and leaves undefined members out', () => {
  expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined, w: null }], c: 'z' } })).toBe('{"a":{"c":"z","d":[1,{"w":null,"y":2}]},"b":1}');
});

it('gives equal requests equal keys, whatever their key order or a trailing slash', () => {
  const k = cacheKey(URL, base);
  expect(k).toMatch(/^[0-9a-f]{64}$/);
  const reordered: ChatRequest = { maxTokens: 100, temperature: 0, toolChoice: 'answer', tools: base.tools, messages: base.messages.map((m) => ({ content: m.content, role: m.role })), model: base.model };
  expect(cacheKey(`${URL}/`, reordered)).toBe(k);
  expect(cacheKeyOfBody(URL, toBody(base))).toBe(k);
});

it('gives a different key for any change in what is sent or where', () => {
  const k = cacheKey(URL, base);
  const changes: ChatRequest[] = [
    { ...base, model: 'gpt-4o' },
    { ...base, messages: [base.messages[0], { role: 'user', content: 'Is a whale a fish? ' }] },
    { ...base, messages: [...base.messages, { role: 'assistant', content: 'No.' }] },
    { ...base, tools: [{ ...base.tools![0], description: 'Give it' }] },
    { ...base, toolChoice: undefined },
    { ...base, temperature: 0.2 },
    { ...base, temperature: undefined },
    { ...base, maxTokens: 101 },
  ];
  const keys = new Set([k, ...changes.map((r) => cacheKey(URL, r))]);
  expect(keys.size).toBe(changes.length + 1);
  expect(cacheKey('http://127.0.0.1:10/v1', base)).not.toBe(k);
});

it('keys a multi-turn request by its tool results too', () => {
  const turn = (result: string): ChatRequest => ({
    ...base,
    messages: [
      ...base.messages,
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"whale"}' }] },
      { role: 'tool', content: result, toolCallId: 'call_1' },
    ],
  });
  expect(cacheKey(URL, turn('mammal'))).toBe(cacheKey(URL, turn('mammal')));
  expect(cacheKey(URL, turn('mammal'))).not.toBe(cacheKey(URL, turn('fish')));
});
