import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator } from './index.ts';
import type { Simulator, SimulatorOptions } from './index.ts';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(options?: SimulatorOptions): Promise<Simulator> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}

const TOOL = {
  type: 'function',
  function: {
    name: 'record',
    parameters: {
      type: 'object',
      properties: {
        answer: { type: 'string' },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
        keep: { type: 'boolean' },
        details: { type: 'object', properties: { topics: { type: 'array', items: { type: 'string' } } }, required: ['topics'] },
      },
      required: ['answer', 'confidence', 'rating', 'sentiment', 'details'],
    },
  },
};
const OTHER = { type: 'function', function: { name: 'other', parameters: { type: 'object', properties: { note: { type: 'string' } } } } };

function post(s: Simulator, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}

function ask(prompt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'simulated-small', messages: [{ role: 'user', content: prompt }], ...extra };
}

async function toolArgs(s: Simulator, prompt: string): Promise<string> {
  const json = (await (await post(s, ask(prompt, { tools: [TOOL] }))).json()) as any;
  return json.choices[0].message.tool_calls[0].function.arguments;
}

describe('answers', () => {
  it('are deterministic', async () => {
    const s = await sim();
    const body = ask('Summarise row 17', { tools: [TOOL], temperature: 0.7 });
    const a = await (await post(s, body)).text();
    const b = await (await post(s, body)).text();
    expect(a).toBe(b);
    expect(await (await post(s, ask('Summarise row 18', { tools: [TOOL] }))).text()).not.toBe(a);
  });

  it('call the first tool with arguments that satisfy its schema', async () => {
    const s = await sim();
    const prompt = 'Review: "Arrived late but works well". Rate it.';
    const json = (await (await post(s, ask(prompt, { tools: [TOOL, OTHER] }))).json()) as any;
    const choice = json.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls[0];
    expect(call.id).toMatch(/^call_[0-9a-f]+$/);
    expect(call.function.name).toBe('record');
    const args = JSON.parse(call.function.arguments);
    expect(args.answer).toBe(`Simulated answer: ${prompt.slice(0, 40)}`);
    expect(args.confidence >= 0 && args.confidence <= 1).toBe(true);
    expect(Number.isInteger(args.rating) && args.rating >= 1 && args.rating <= 5).toBe(true);
    expect(['positive', 'negative', 'neutral']).toContain(args.sentiment);
    expect(typeof args.keep).toBe('boolean');
    expect(Array.isArray(args.details.topics) && args.details.topics.every((t: unknown) => typeof t === 'string')).toBe(true);
  });

  it('call the tool tool_choice names, and answer text with tool_choice none', async () => {
    const s = await sim();
    const named = (await (await post(s, ask('x', { tools: [TOOL, OTHER], tool_choice: { type: 'function', function: { name: 'other' } } }))).json()) as any;
    expect(named.choices[0].message.tool_calls[0].function.name).toBe('other');
    const none = (await (await post(s, ask('x', { tools: [TOOL], tool_choice: 'none' }))).json()) as any;
    expect(none.choices[0].message.content).toBe('Simulated reply to: x');
    const unknown = await post(s, ask('x', { tools: [TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } }));
    expect(unknown.status).toBe(400);
  });

  it('answer text after a tool result, and without tools', async () => {
    const s = await sim();
    const messages = [
      { role: 'system', content: 'You classify.' },
      { role: 'user', content: 'Classify row 3' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'record', arguments: '{"answer":"x"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'recorded' },
    ];
    const json = (await (await post(s, { model: 'm', messages, tools: [TOOL] })).json()) as any;
    expect(json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Done: recorded' } });
    const plain = (await (await post(s, ask('Hello'.repeat(30)))).json()) as any;
    expect(plain.choices[0].message.content).toBe(`Simulated reply to: ${'Hello'.repeat(30).slice(0, 80)}`);
  });

  it('report usage and respect a tiny max_tokens', async () => {
    const s = await sim();
    const messages = [
      { role: 'system', content: 'abcd' },
      { role: 'user', content: 'efghij' },
    ];
    const json = (await (await post(s, { model: 'm', messages })).json()) as any;
    const content = json.choices[0].message.content as string;
    expect(json.usage).toEqual({
      prompt_tokens: Math.ceil(10 / 4) + 8,
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: Math.ceil(10 / 4) + 8 + Math.ceil(content.length / 4),
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const short = (await (await post(s, { model: 'm', messages, max_tokens: 2 })).json()) as any;
    expect(short.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: content.slice(0, 8) } });
    expect(short.usage.completion_tokens).toBe(2);
    expect(s.stats().promptTokens).toBe(2 * json.usage.prompt_tokens);
  });

  it('say when the first request came and the last answer went', async () => {
    const s = await sim({ latencyMs: 30 });
    expect(s.stats()).toMatchObject({ firstRequestAt: null, lastAnswerAt: null });
    const before = Date.now();
    await post(s, { model: 'm', messages: [{ role: 'user', content: 'one' }] });
    const afterFirst = Date.now();
    const first = s.stats();
    await post(s, { model: 'm', messages: [{ role: 'user', content: 'two' }] });
    const { firstRequestAt, lastAnswerAt } = s.stats();
    expect(firstRequestAt).toBeGreaterThanOrEqual(before);
    expect(firstRequestAt).toBeLessThanOrEqual(afterFirst);
    // The first request stays the first; the last answer is the second one's, sent after the first exchange.
    expect(first.firstRequestAt).toBe(firstRequestAt);
    expect(first.lastAnswerAt).toBeLessThanOrEqual(afterFirst);
    expect(lastAnswerAt).toBeGreaterThanOrEqual(afterFirst);
    s.resetStats();
    expect(s.stats()).toMatchObject({ firstRequestAt: null, lastAnswerAt: null });
  });

  it('list models and answer unknown paths with a 404 in the OpenAI error shape', async () => {
    const s = await sim();
    const models = (await (await fetch(`${s.url}/models`)).json()) as any;
    expect(models.data.length).toBeGreaterThanOrEqual(2);
    const res = await fetch(`${s.url}/nowhere`);
    expect(res.status).toBe(404);
    const err = ((await res.json()) as any).error;
    expect(typeof err.message).toBe('string');
    expect(err).toHaveProperty('type');
    expect(err).toHaveProperty('code');
    expect((await post(s, { model: 'm' })).status).toBe(400);
  });
});

describe('directives', () => {
  it('[[sleep:MS]] delays that item only', async () => {
    const s = await sim();
    let settled = false;
    const slow = post(s, ask('slow [[sleep:600000]]')).then(
      () => (settled = true),
      () => 'ended by close',
    );
    await vi.waitFor(() => expect(s.stats().inFlight).toBe(1), { timeout: 10_000, interval: 10 });
    expect((await post(s, ask('fast'))).status).toBe(200);
    // The fast item was answered while the slow one still waits out its sleep.
    expect(s.stats()).toMatchObject({ inFlight: 1, requests: 2 });
    expect(s.stats().completedByPrompt.has('slow [[sleep:600000]]')).toBe(false);
    expect(settled).toBe(false);
    await s.close();
    expect(await slow).toBe('ended by close');
  });

  it('[[status:N]] answers that status; 429 carries retry-after', async () => {
    const s = await sim();
    const e500 = await post(s, ask('a [[status:500]]'));
    expect(e500.status).toBe(500);
    expect(((await e500.json()) as any).error.type).toBe('server_error');
    expect((await post(s, ask('a [[status:500]]'))).status).toBe(500);
    const e429 = await post(s, ask('b [[status:429]]'));
    expect(e429.status).toBe(429);
    expect(e429.headers.get('retry-after')).toBe('1');
    expect(e429.headers.get('retry-after-ms')).toBe('1000');
    await e429.body?.cancel();
    const e400 = await post(s, ask('c [[status:400]]'));
    expect(e400.status).toBe(400);
    await e400.body?.cancel();
  });

  it('[[status:500x2]] fails twice per prompt, then succeeds', async () => {
    const s = await sim();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(s, ask('row 9 [[status:500x2]]'))).status);
    statuses.push((await post(s, ask('row 10 [[status:500x2]]'))).status);
    expect(statuses).toEqual([500, 500, 200, 500]);
    expect(s.stats().byPrompt.get('row 9 [[status:500x2]]')).toBe(3);
    expect(s.stats().completedByPrompt.get('row 9 [[status:500x2]]')).toBe(1);
  });

  it('[[hang]] never answers; [[drop]] destroys the socket', async () => {
    const s = await sim();
    const abort = new AbortController();
    const hung = post(s, ask('h [[hang]]'), { signal: abort.signal });
    await vi.waitFor(() => expect(s.stats().inFlight).toBe(1), { timeout: 10_000, interval: 10 });
    abort.abort();
    await expect(hung).rejects.toThrow();
    await expect(post(s, ask('d [[drop]]'))).rejects.toThrow();
    // The server sees the aborted request's socket close when it does: wait for that state.
    await vi.waitFor(() => expect(s.stats().inFlight).toBe(0), { timeout: 10_000, interval: 10 });
    const st = s.stats();
    expect(st.byStatus[0]).toBe(1);
    expect(st.completedByPrompt.size).toBe(0);
  });

  it('[[hangx1]] and [[dropx2]] misbehave for the first requests of the prompt only', async () => {
    const s = await sim();
    await expect(post(s, ask('h1 [[hangx1]]'), { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect((await post(s, ask('h1 [[hangx1]]'))).status).toBe(200);
    await expect(post(s, ask('d2 [[dropx2]]'))).rejects.toThrow();
    await expect(post(s, ask('d2 [[dropx2]]'))).rejects.toThrow();
    expect((await post(s, ask('d2 [[dropx2]]'))).status).toBe(200);
    const st = s.stats();
    expect(st.byStatus[0]).toBe(2);
    expect(st.completedByPrompt.get('h1 [[hangx1]]')).toBe(1);
    expect(st.completedByPrompt.get('d2 [[dropx2]]')).toBe(1);
  });

  it('[[badargs]] and [[badargsx3]] malform the first tool calls for the prompt', async () => {
    const s = await sim();
    const valid = (a: string) => {
      try {
        JSON.parse(a);
        return true;
      } catch {
        return false;
      }
    };
    expect(valid(await toolArgs(s, 'p [[badargs]]'))).toBe(false);
    expect(valid(await toolArgs(s, 'p [[badargs]]'))).toBe(true);
    const three = [];
    for (let i = 0; i < 4; i++) three.push(valid(await toolArgs(s, 'q [[badargsx3]]')));
    expect(three).toEqual([false, false, false, true]);
  });

  it('[[text]] answers text although tools are offered', async () => {
    const s = await sim();
    const json = (await (await post(s, ask('t [[text]]', { tools: [TOOL] }))).json()) as any;
    expect(json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Simulated reply to: t [[text]]' } });
  });
});

describe('server', () => {
  it('limits requests per minute with 429, retry-after and x-ratelimit headers', async () => {
    const s = await sim({ rateLimit: { rpm: 3 } });
    const res: Response[] = [];
    for (let i = 0; i < 5; i++) res.push(await post(s, ask(`r${i}`)));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(res[0].headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(res[2].headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(Number(res[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    s.setOptions({ rateLimit: undefined });
    expect((await post(s, ask('free'))).status).toBe(200);
    await Promise.all(res.map((r) => r.body?.cancel()));
  });

  it('counts requests in flight and their maximum', async () => {
    // Long enough that all 50 are in flight together even when a loaded machine spreads their arrival.
    const s = await sim({ latencyMs: 1000 });
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => post(s, ask(`item ${i}`)).then((r) => r.status)));
    expect(all.every((x) => x === 200)).toBe(true);
    const st = s.stats();
    expect(st.maxInFlight).toBe(50);
    expect(st.inFlight).toBe(0);
    expect(st.requests).toBe(50);
    expect(st.byStatus[200]).toBe(50);
    expect(st.byPrompt.size).toBe(50);
    s.resetStats();
    expect(s.stats()).toMatchObject({ requests: 0, maxInFlight: 0, promptTokens: 0 });
  });

  it('closes with a hanging request open, ending that request', async () => {
    const s = await startSimulator();
    const pending = post(s, ask('[[hang]]')).catch((e: unknown) => e);
    // On a loaded machine the request may take a while to arrive.
    await vi.waitFor(() => expect(s.stats().inFlight).toBe(1), { timeout: 10_000, interval: 10 });
    await s.close();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(s.stats().inFlight).toBe(0), { timeout: 10_000, interval: 10 });
  });

  it('requires the API key when one is set', async () => {
    const s = await sim({ apiKey: 'sk-sim' });
    const denied = await post(s, ask('k'));
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as any).error.code).toBe('invalid_api_key');
    expect((await post(s, ask('k'), { headers: { authorization: 'Bearer sk-sim' } })).status).toBe(200);
  });

  it('draws random faults reproducibly from the seed', async () => {
    const faults = { error500: 0.2, rateLimit429: 0.2, malformedToolArgs: 0.2 };
    const run = async (seed: number) => {
      const s = await sim({ faults, seed });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await post(s, ask(`f${i}`, { tools: [TOOL] }));
        if (r.status !== 200) {
          out.push(String(r.status));
          if (r.status === 429) expect(r.headers.get('retry-after')).toBe('1');
          await r.body?.cancel();
          continue;
        }
        const args = ((await r.json()) as any).choices[0].message.tool_calls[0].function.arguments;
        try {
          JSON.parse(args);
          out.push('ok');
        } catch {
          out.push('bad');
        }
      }
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    for (const kind of ['ok', '500', '429', 'bad']) expect(a).toContain(kind);
  });
});

describe('through the openai SDK', () => {
  it('answers tool calls, text, streams, and surfaces errors', async () => {
    const s = await sim();
    const client = new OpenAI({ baseURL: s.url, apiKey: 'test', maxRetries: 0 });
    const tools = [TOOL] as OpenAI.Chat.Completions.ChatCompletionTool[];
    const done = await client.chat.completions.create({ model: 'simulated-small', messages: [{ role: 'user', content: 'Rate row 1' }], tools });
    const call = done.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments).answer).toBe('Simulated answer: Rate row 1');
    expect(done.usage?.total_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'simulated-small',
      messages: [{ role: 'user', content: 'Stream this please, it is long enough to come in several chunks' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Simulated reply to: Stream this please, it is long enough to come in several chunks');
    expect(usage?.completion_tokens).toBe(Math.ceil(text.length / 4));

    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x [[status:429]]' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x [[status:500]]' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });
});
