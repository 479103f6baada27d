// What prompt caching saves a run whose rows share a long static prefix (a system message of about
// 1,500 tokens), against the test server, which reports cached tokens as OpenAI does: with the first
// row run alone until it is answered (what a run does) and without (every call of the first window
// sent before any prefix is cached).
//
//   node bench/prompt-cache.ts [--rows N] [--batch C] [--latency MS]
import { parseArgs } from 'node:util';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../shared/domain.ts';
import { formatUsd, usdToMicros } from '../shared/money.ts';
import { costOf, lookupPrice } from '../electron/core/engine/pricing.ts';
import { startSpecBatch } from '../electron/core/engine/spec-batch.ts';
import { startSimulator } from '../electron/core/simulator/index.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '500' }, batch: { type: 'string', default: '32' }, latency: { type: 'string', default: '50' } } });
const rows = Number(values.rows);
const batch = Number(values.batch);
const system = 'You classify support tickets by topic and urgency, following the house rules below. '.repeat(70);
const pricing = lookupPrice('gpt-4o-mini').pricing;

async function run(warmFirst: boolean): Promise<void> {
  // A server of its own for each run: nothing cached from the other.
  const sim = await startSimulator({ latencyMs: Number(values.latency) });
  const spec = AgentSpecSchema.parse({ name: 'tickets', model: 'gpt-4o-mini', baseURL: sim.url, systemMessage: system, prompt: 'Ticket: {{text}}' });
  const items = Array.from({ length: rows }, (_, index) => ({ index, prompt: `Ticket: case ${index} ` }));
  let prompt = 0;
  let cached = 0;
  let calls = 0;
  let uncachedCalls = 0;
  let costMicros = 0;
  let fullMicros = 0;
  const onEvent = (e: BatchEvent) => {
    if (e.type !== 'llm-call') return;
    calls++;
    prompt += e.promptTokens;
    cached += e.cachedTokens ?? 0;
    if (!e.cachedTokens) uncachedCalls++;
    costMicros += usdToMicros(e.costUsd);
    fullMicros += usdToMicros(costOf({ promptTokens: e.promptTokens, completionTokens: e.completionTokens }, pricing));
  };
  const started = performance.now();
  const handle = startSpecBatch({ spec, items, options: RunOptionsSchema.parse({ batchSize: batch }), apiKey: 'sk-bench', onEvent, warmFirst });
  await handle.done;
  await sim.close();
  const wall = (performance.now() - started) / 1000;
  console.log(
    `${warmFirst ? 'first row alone' : 'all at once    '}  ${calls} calls, ${uncachedCalls} uncached · cached ${((100 * cached) / prompt).toFixed(1)}% of ${prompt.toLocaleString('en-US')} prompt tokens · ` +
      `cost ${formatUsd(costMicros)} (uncached ${formatUsd(fullMicros)}, saved ${((100 * (fullMicros - costMicros)) / fullMicros).toFixed(1)}%) · wall ${wall.toFixed(2)} s`,
  );
}

console.log(`${rows} rows, batch ${batch}, latency ${values.latency} ms, gpt-4o-mini prices (cached input ${pricing.cachedInputPerMTok} vs ${pricing.inputPerMTok} $/M)`);
await run(false);
await run(true);
