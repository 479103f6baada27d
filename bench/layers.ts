// Where the efficiency of a call goes, layer by layer: the same N calls at concurrency C against the
// simulator at latency L (its own process), through each layer of Rowrunner's call path in turn, each
// layer in a fresh process of its own:
//   undici       undici's request API with a prebuilt body: the floor of a Node HTTP client;
//   sdk          the openai SDK over its default fetch (what a hand-written script uses);
//   sdk-lean     the openai SDK over Rowrunner's lean fetch (engine/http.ts) and pool;
//   llm-client   LlmClient.complete: the SDK call with retries, hooks and rate-limit headers;
//   engine       runBatchTasks: a task clone per item, the sliding window, events.
// For each: wall time, efficiency = items/s ÷ (C / L), the client-side latency of a call (p50, mean;
// the simulator answers L after a request arrives) and CPU ms per call. No persistence, no start-up:
// what the whole command adds on top is in `npm run bench`.
//   node bench/layers.ts [--n 5000] [--c 64] [--latency 100] [--layer NAME[,NAME]] [--sockets 2]
// --sockets: sdk-lean's pool, in sockets per call in flight (LlmClient's is 2; 1 shows why).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ANSWER_PARAMETERS, SYSTEM } from './workload.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const LAYERS = ['undici', 'sdk', 'sdk-lean', 'llm-client', 'engine'] as const;
type Layer = (typeof LAYERS)[number];

const question = (i: number) => `What is the capital of country number ${i}?`;

interface LayerResult {
  wallMs: number;
  latencies: number[];
  cpuMs: number;
}

/** One layer's N calls, C at a time, in this process. */
async function runLayer(layer: Layer, url: string, n: number, c: number, socketsPerCall: number): Promise<LayerResult> {
  const latencies: number[] = [];
  let call: (i: number) => Promise<unknown>;
  let close = async (): Promise<void> => {};
  const tools = [{ type: 'function' as const, function: { name: 'answer', description: 'The answer.', parameters: ANSWER_PARAMETERS } }];
  const messages = (i: number) => [
    { role: 'system' as const, content: SYSTEM },
    { role: 'user' as const, content: question(i) },
  ];
  if (layer === 'undici') {
    const { Agent, request } = await import('undici');
    const dispatcher = new Agent({ connections: c, headersTimeout: 0, bodyTimeout: 0 });
    call = async (i) => {
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: messages(i), tools });
      const res = await request(`${url}/chat/completions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        dispatcher,
      });
      const data = (await res.body.json()) as { choices?: unknown[] };
      if (!data.choices?.length) throw new Error('no choice');
    };
    close = () => dispatcher.close();
  } else if (layer === 'sdk' || layer === 'sdk-lean') {
    const { default: OpenAI } = await import('openai');
    const { Agent } = await import('undici');
    const { makeFetch } = await import('../electron/core/engine/http.ts');
    let lean = {};
    if (layer === 'sdk-lean') {
      // By default sized as LlmClient sizes its pool: twice the calls in flight (see its makeDispatcher).
      const dispatcher = new Agent({ connections: Math.max(1, Math.round(socketsPerCall * c)), headersTimeout: 0, bodyTimeout: 0 });
      lean = { fetch: makeFetch(() => dispatcher) as unknown as typeof fetch };
      close = () => dispatcher.close();
    }
    const client = new OpenAI({ baseURL: url, apiKey: 'sk-bench', maxRetries: 0, ...lean });
    call = (i) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: messages(i), tools });
  } else if (layer === 'llm-client') {
    const { LlmClient } = await import('../electron/core/engine/llm.ts');
    const client = new LlmClient({ baseURL: url, apiKey: 'sk-bench', connections: c });
    const tool = { name: 'answer', description: 'The answer.', parameters: ANSWER_PARAMETERS };
    call = (i) => client.complete({ model: 'gpt-4o-mini', messages: messages(i), tools: [tool] });
    close = () => client.close();
  } else {
    const { ChatAgent, Task, runBatchTasks } = await import('../electron/core/engine/index.ts');
    const tool = { name: 'answer', description: 'The answer.', parameters: ANSWER_PARAMETERS };
    const agent = new ChatAgent({ name: 'bench', model: 'gpt-4o-mini', baseURL: url, apiKey: 'sk-bench', systemMessage: SYSTEM, tools: [tool] });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const results = await runBatchTasks(new Task(agent, { doneIfTool: true }), Array.from({ length: n }, (_, i) => question(i)), {
      batchSize: c,
      onEvent: (e) => {
        if (e.type === 'llm-call') latencies.push(e.latencyMs);
      },
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await agent.close();
    if (results.length !== n) throw new Error('lost items');
    return { wallMs, latencies, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const started = performance.now();
      await call(i);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, lane));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await close();
  return { wallMs, latencies, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

async function startSimulator(latencyMs: number): Promise<{ url: string; stop(): void }> {
  const p = spawn(process.execPath, [path.join(ROOT, 'electron', 'core', 'simulator', 'main.ts'), '--port', '0', '--latency', String(latencyMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    p.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it listened`)));
  });
  return { url, stop: () => p.kill('SIGTERM') };
}

const { values } = parseArgs({
  options: { n: { type: 'string' }, c: { type: 'string' }, latency: { type: 'string' }, layer: { type: 'string' }, url: { type: 'string' }, sockets: { type: 'string' } },
});
const n = Number(values.n ?? 5000);
const c = Number(values.c ?? 64);
const latency = Number(values.latency ?? 100);
const sockets = Number(values.sockets ?? 2);

if (values.url) {
  // A child: one layer, its figures as JSON on stdout.
  const r = await runLayer(values.layer as Layer, values.url, n, c, sockets);
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const layers = (values.layer?.split(',') ?? LAYERS) as Layer[];
  for (const l of layers) if (!LAYERS.includes(l)) throw new Error(`unknown layer "${l}" (known: ${LAYERS.join(', ')})`);
  const ceiling = latency > 0 ? c / (latency / 1000) : Infinity;
  console.log(`N ${n}, C ${c}, L ${latency} ms${latency > 0 ? `: the concurrency allows ${ceiling.toFixed(0)} calls/s` : ''}`);
  console.log('layer        wall s   calls/s  efficiency  latency p50 / mean ms  CPU ms/call');
  for (const layer of layers) {
    const sim = await startSimulator(latency);
    try {
      const out = await child([import.meta.filename, '--layer', layer, '--url', sim.url, '--n', String(n), '--c', String(c), '--sockets', String(sockets)]);
      const r = JSON.parse(out) as LayerResult;
      const rate = n / (r.wallMs / 1000);
      const sorted = [...r.latencies].sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      console.log(
        `${layer.padEnd(12)} ${(r.wallMs / 1000).toFixed(2).padStart(6)} ${rate.toFixed(0).padStart(9)} ${(latency > 0 ? (rate / ceiling).toFixed(3) : 'n/a').padStart(11)}` +
          `  ${sorted[sorted.length >> 1].toFixed(1).padStart(11)} / ${mean.toFixed(1).padEnd(8)}  ${(r.cpuMs / n).toFixed(3).padStart(11)}`,
      );
    } finally {
      sim.stop();
    }
  }
}
