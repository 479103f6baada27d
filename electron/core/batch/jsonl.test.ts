import { expect, it } from 'vitest';
import { customId, parseCustomId, toInputFiles } from './jsonl.ts';
import type { BatchRequest } from './jsonl.ts';

function requests(n: number, chars = 10): BatchRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: customId(i + 1, 0),
    body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(chars) }] },
  }));
}

it('names item and turn in the custom_id and reads them back', () => {
  expect(customId(42, 3)).toBe('item-42-turn-3');
  expect(parseCustomId('item-42-turn-3')).toEqual({ itemId: 42, turn: 3 });
  expect(parseCustomId('request-1')).toBeNull();
});

it('writes one line per request, POST to chat completions', () => {
  const [file] = toInputFiles(requests(2));
  const lines = file.text.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toEqual([
    { custom_id: 'item-1-turn-0', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10) }] } },
    { custom_id: 'item-2-turn-0', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10) }] } },
  ]);
  expect(file.customIds).toEqual(['item-1-turn-0', 'item-2-turn-0']);
});

it('splits by the request limit and by the byte limit', () => {
  expect(toInputFiles(requests(7), { maxRequests: 3, maxBytes: 1e9 }).map((f) => f.customIds.length)).toEqual([3, 3, 1]);
  const lineBytes = Buffer.byteLength(toInputFiles(requests(1, 100))[0].text);
  const files = toInputFiles(requests(5, 100), { maxRequests: 100, maxBytes: 2 * lineBytes + 1 });
  expect(files.map((f) => f.customIds.length)).toEqual([2, 2, 1]);
  for (const f of files) expect(Buffer.byteLength(f.text)).toBeLessThanOrEqual(2 * lineBytes + 1);
});

it('refuses a single request larger than a file may be, naming it', () => {
  expect(() => toInputFiles(requests(1, 500), { maxRequests: 10, maxBytes: 200 })).toThrow(/item-1-turn-0 is \d+ bytes, more than a batch file may hold \(200 bytes\)/);
});
