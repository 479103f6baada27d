import OpenAI, { toFile } from 'openai';
import { afterEach, expect, it, vi } from 'vitest';
import { startSimulator } from './index.ts';
import type { Simulator, SimulatorOptions } from './index.ts';

const sims: Simulator[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options?: SimulatorOptions): Promise<{ s: Simulator; client: OpenAI }> {
  const s = await startSimulator(options);
  sims.push(s);
  return { s, client: new OpenAI({ baseURL: s.url, apiKey: 'sk-test', maxRetries: 0 }) };
}

const TOOL = {
  type: 'function' as const,
  function: { name: 'record', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } },
};

function body(prompt: string, tools = false) {
  return { model: 'simulated-small', messages: [{ role: 'user' as const, content: prompt }], ...(tools ? { tools: [TOOL] } : {}) };
}

function jsonl(prompts: string[], tools = false): string {
  return prompts.map((p, i) => JSON.stringify({ custom_id: `item-${i}`, method: 'POST', url: '/v1/chat/completions', body: body(p, tools) })).join('\n');
}

async function submit(client: OpenAI, text: string) {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
}

async function lines(client: OpenAI, fileId: string | null | undefined): Promise<any[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

it('answers each line as the live endpoint would, usage included', async () => {
  const { s, client } = await sim();
  const prompts = ['Row one', 'Row two', 'Row three'];
  const created = await submit(client, jsonl(prompts, true));
  expect(created.status).toBe('in_progress');
  expect(created.expires_at! - created.created_at).toBe(24 * 3600);
  const done = await client.batches.retrieve(created.id);
  expect(done.status).toBe('completed');
  expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
  expect(done.error_file_id).toBeNull();
  const out = await lines(client, done.output_file_id);
  expect(out.map((l) => l.custom_id)).toEqual(['item-0', 'item-1', 'item-2']);
  for (const [i, line] of out.entries()) {
    const live = await client.chat.completions.create(body(prompts[i], true));
    expect(line.response.status_code).toBe(200);
    expect(line.response.body).toEqual(live);
    expect(line.response.body.usage.prompt_tokens).toBeGreaterThan(0);
  }
  expect(s.stats()).toMatchObject({ fileUploads: 1, batchesCreated: 1 });
});

it('stays in progress for the processing delay, its completed count growing', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  const { client } = await sim({ batch: { processingMs: 60_000 } });
  const created = await submit(client, jsonl(['a', 'b', 'c', 'd']));
  vi.setSystemTime(new Date('2026-01-01T00:00:30Z'));
  const half = await client.batches.retrieve(created.id);
  expect(half.status).toBe('in_progress');
  expect(half.request_counts).toEqual({ total: 4, completed: 2, failed: 0 });
  expect(half.output_file_id).toBeNull();
  vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
  const done = await client.batches.retrieve(created.id);
  expect(done.status).toBe('completed');
  expect((await lines(client, done.output_file_id)).length).toBe(4);
});

it('puts failed lines in the error file and leaves expiring lines unfinished once', async () => {
  const { client } = await sim();
  const prompts = ['fine', 'broken [[status:400]]', 'late [[batchexpirex1]]'];
  const first = await client.batches.retrieve((await submit(client, jsonl(prompts))).id);
  expect(first.status).toBe('expired');
  expect(first.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
  expect((await lines(client, first.output_file_id)).map((l) => l.custom_id)).toEqual(['item-0']);
  const errors = await lines(client, first.error_file_id);
  expect(errors[0]).toMatchObject({ custom_id: 'item-1', response: { status_code: 400, body: { error: { message: 'Simulated error 400.' } } }, error: null });
  expect(errors[1]).toMatchObject({ custom_id: 'item-2', response: null, error: { code: 'batch_expired' } });
  // Sent again, the expiring line now runs.
  const again = await client.batches.retrieve((await submit(client, jsonl([prompts[2]]))).id);
  expect(again.status).toBe('completed');
  expect((await lines(client, again.output_file_id))[0].response.body.choices[0].message.content).toBe(`Simulated reply to: ${prompts[2]}`);
});

it('cancels: the lines not yet done go to the error file as cancelled', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  const { client } = await sim({ batch: { processingMs: 40_000 } });
  const created = await submit(client, jsonl(['a', 'b', 'c', 'd']));
  vi.setSystemTime(new Date('2026-01-01T00:00:10Z'));
  expect((await client.batches.cancel(created.id)).status).toBe('cancelling');
  const after = await client.batches.retrieve(created.id);
  expect(after.status).toBe('cancelled');
  expect((await lines(client, after.output_file_id)).map((l) => l.custom_id)).toEqual(['item-0']);
  expect((await lines(client, after.error_file_id)).map((l) => l.error.code)).toEqual(['batch_cancelled', 'batch_cancelled', 'batch_cancelled']);
  await expect(client.batches.cancel(created.id)).rejects.toMatchObject({ status: 400 });
});

it('fails a batch whose file has bad lines, naming each', async () => {
  const { client } = await sim();
  const good = JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: body('a') });
  const text = [good, 'not json', good, JSON.stringify({ custom_id: 'y', method: 'POST', url: '/v1/embeddings', body: body('b') })].join('\n');
  const b = await submit(client, text);
  expect(b.status).toBe('failed');
  expect(b.errors?.data?.map((e) => [e.code, e.line])).toEqual([
    ['invalid_json_line', 2],
    ['duplicate_custom_id', 3],
    ['invalid_url', 4],
  ]);
});

it('refuses a file of another purpose and an unknown batch', async () => {
  const { client } = await sim();
  await expect(client.files.create({ file: await toFile(Buffer.from('{}'), 'a.jsonl'), purpose: 'assistants' })).rejects.toMatchObject({ status: 400 });
  await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
  expect((await client.batches.list()).data).toEqual([]);
});
