// Hung calls against the per-call timeout: N rows, H of which the test server never answers, at batch
// size C with a timeout of T seconds, through the spec-driven batch (what the CLI and the app run).
// Each hung row is tried twice (the timeout is retried once), so the run should end near 2 × T
// seconds after the last hung row starts, with N − H rows done and H failed.
//
//   node bench/hung-rows.ts [--rows 1000] [--hung 10] [--batch-size 32] [--timeout 3]
import { parseArgs } from 'node:util';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../shared/domain.ts';
import { startSpecBatch } from '../electron/core/engine/spec-batch.ts';
import { startSimulator } from '../electron/core/simulator/index.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000' }, hung: { type: 'string', default: '10' }, 'batch-size': { type: 'string', default: '32' }, timeout: { type: 'string', default: '3' } },
});
const rows = Number(values.rows);
const hung = Number(values.hung);
const batchSize = Number(values['batch-size']);
const timeoutMs = Number(values.timeout) * 1000;

const sim = await startSimulator({ latencyMs: 50 });
// Hung rows spread evenly through the run.
const every = Math.floor(rows / hung);
const prompts = Array.from({ length: rows }, (_, i) => `row ${i}${i % every === every - 1 && i / every < hung ? ' [[hang]]' : ''}`);
const counts = { done: 0, failed: 0, timedOut: 0 };
const started = performance.now();
const handle = startSpecBatch({
  spec: AgentSpecSchema.parse({ name: 'bench', model: 'gpt-4o-mini', baseURL: sim.url, prompt: '{{q}}', timeoutMs }),
  items: prompts.map((prompt, index) => ({ index, prompt })),
  options: RunOptionsSchema.parse({ batchSize }),
  apiKey: 'sk-bench',
  onEvent: (e: BatchEvent) => {
    if (e.type === 'item-done') counts.done++;
    if (e.type === 'item-failed') {
      counts.failed++;
      if (/timed out/.test(e.error)) counts.timedOut++;
    }
  },
});
const finished = await handle.done;
const seconds = (performance.now() - started) / 1000;
await sim.close();
console.log(
  `hung rows: ${rows} rows, ${hung} hung, batch size ${batchSize}, timeout ${timeoutMs / 1000} s: ${finished.status} in ${seconds.toFixed(1)} s, ` +
    `${counts.done} done, ${counts.failed} failed (${counts.timedOut} timed out), ${sim.stats().requests} requests`,
);
