import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startSimulator } from '../simulator/index.ts';
import type { Simulator } from '../simulator/index.ts';
import { BatchApi, BatchUnsupportedError } from './client.ts';
import { customId } from './jsonl.ts';
import type { BatchRequest } from './jsonl.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function sim(): Promise<Simulator> {
  const s = await startSimulator();
  closers.push(() => s.close());
  return s;
}

/** A local server with chat completions only, as Ollama or vLLM: every other path answers `status`. */
async function liveOnly(status: number): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'not found' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

function requests(prompts: string[]): BatchRequest[] {
  return prompts.map((p, i) => ({ customId: customId(i + 1, 0), body: { model: 'simulated-small', messages: [{ role: 'user', content: p }] } }));
}

it('says an endpoint has no Batch API before sending anything', async () => {
  for (const status of [404, 405]) {
    const url = await liveOnly(status);
    const err = await new BatchApi({ baseURL: url }).probe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchUnsupportedError);
    expect((err as Error).message).toContain(`/batches answered ${status}`);
    expect((err as Error).message).toContain('--mode live');
  }
  const s = await sim();
  await new BatchApi({ baseURL: s.url }).probe();
  expect(s.stats().fileUploads).toBe(0);
});

it('uploads one file per limit, and reads answers, failures and unfinished lines back by custom_id', async () => {
  const s = await sim();
  const api = new BatchApi({ baseURL: s.url, limits: { maxRequests: 2, maxBytes: 1e6 } });
  const prompts = ['one', 'two [[status:400]]', 'three [[batchexpire]]'];
  const seen: string[] = [];
  const submitted = await api.submit(requests(prompts), { run: '1' }, (b) => seen.push(b.batchId));
  expect(submitted.map((b) => b.customIds)).toEqual([['item-1-turn-0', 'item-2-turn-0'], ['item-3-turn-0']]);
  expect(seen).toEqual(submitted.map((b) => b.batchId));
  expect(s.stats()).toMatchObject({ fileUploads: 2, batchesCreated: 2 });

  const results = new Map();
  for (const b of submitted) {
    const state = await api.retrieve(b.batchId);
    expect(['completed', 'expired']).toContain(state.status);
    for (const [id, r] of await api.results(state, b.customIds)) results.set(id, r);
  }
  expect(results.get('item-1-turn-0')).toMatchObject({ kind: 'answer', completion: { choices: [{ message: { content: 'Simulated reply to: one' } }], usage: { prompt_tokens: 5 } } });
  expect(results.get('item-2-turn-0')).toEqual({ kind: 'failed', error: 'HTTP 400 Simulated error 400.' });
  expect(results.get('item-3-turn-0')).toMatchObject({ kind: 'unfinished', error: expect.stringContaining('batch_expired') });
});

it('cancels a batch in flight, and a second cancel is harmless', async () => {
  const s = await sim();
  s.setOptions({ batch: { processingMs: 3_600_000 } });
  const api = new BatchApi({ baseURL: s.url });
  const [b] = await api.submit(requests(['a', 'b']));
  expect((await api.retrieve(b.batchId)).status).toBe('in_progress');
  await api.cancel(b.batchId);
  const state = await api.retrieve(b.batchId);
  expect(state.status).toBe('cancelled');
  await api.cancel(b.batchId);
  const results = await api.results(state, b.customIds);
  expect([...results.values()].map((r) => r.kind)).toEqual(['unfinished', 'unfinished']);
});

it('fails every request of a batch whose file the provider refused, with its reason', async () => {
  const s = await sim();
  const api = new BatchApi({ baseURL: s.url });
  const mixed = [...requests(['a']), { customId: customId(2, 0), body: { model: 'simulated-large', messages: [{ role: 'user' as const, content: 'b' }] } }];
  const [b] = await api.submit(mixed);
  const state = await api.retrieve(b.batchId);
  expect(state.status).toBe('failed');
  const results = await api.results(state, b.customIds);
  expect(results.get('item-1-turn-0')).toMatchObject({ kind: 'failed', error: expect.stringContaining('line 2') });
});
