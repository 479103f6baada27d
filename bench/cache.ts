// What the response cache adds to a call: the key of a request (its canonical JSON and sha256) and a
// lookup in a database that keeps N answers, a hit and a miss, on one connection as a run's worker
// does. No network: a call to an endpoint takes milliseconds; these are microseconds. The key's plain
// form (canonicalJson of the whole body, then sha256: its definition) is timed beside it, and checked
// to give the same key.
//   node bench/cache.ts [--n 100000] [--lookups 20000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { cacheKey, CACHE_KEY_VERSION, canonicalBaseUrl, canonicalJson } from '../electron/core/engine/cache/key.ts';
import type { ChatRequest } from '../electron/core/engine/llm.ts';
import { deepFreeze } from '../electron/core/engine/tools.ts';
import { toBody } from '../electron/core/engine/wire.ts';
import { getKeptAnswer, putCachedAnswer } from '../electron/core/store/cache.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { sessionCache } from '../electron/core/runs/store-cache.ts';
import { ANSWER_PARAMETERS, SYSTEM } from './workload.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, lookups: { type: 'string', default: '20000' } } });
const n = Number(values.n);
const lookups = Number(values.lookups);
const URL = 'http://127.0.0.1:1/v1';
// Frozen as a ChatAgent freezes its tools: one array shared by every call of a run.
const tools = deepFreeze([{ name: 'answer', description: 'Give the answer', parameters: structuredClone(ANSWER_PARAMETERS) }]);
const request = (i: number): ChatRequest => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `What is the capital of country number ${i}? Answer with the city's name and how sure you are.` },
  ],
  tools,
  toolChoice: 'answer',
  temperature: 0,
});

/** Answers per commit here: a run's session commits whatever finished since its last commit, so its number varies. */
const COMMIT = 64;
const micros = (ms: number, count: number) => `${((ms * 1000) / count).toFixed(1)} µs`;

const plainKey = (r: ChatRequest): string =>
  createHash('sha256')
    .update(canonicalJson({ v: CACHE_KEY_VERSION, endpoint: canonicalBaseUrl(URL), body: toBody(r) }))
    .digest('hex');
// Both forms warmed up first, then timed in turn: each figure is of compiled code, the first one's not of the compiler.
for (let i = 0; i < 2000; i++) if (cacheKey(URL, request(i)) !== plainKey(request(i))) throw new Error(`the key of request ${i} differs from its plain form`);
let t = performance.now();
for (let i = 0; i < n; i++) plainKey(request(i));
const plainMs = performance.now() - t;
t = performance.now();
const keys: string[] = [];
for (let i = 0; i < n; i++) keys.push(cacheKey(URL, request(i)));
console.log(
  `key of a request (tool call, ${JSON.stringify(request(0)).length} bytes as JSON): ${micros(performance.now() - t, n)} each over ${n.toLocaleString('en-US')}; ` +
    `its plain form (canonicalJson of the whole body, then sha256) ${micros(plainMs, n)}`,
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-bench-cache-'));
try {
  const db = openDatabase(path.join(dir, 'cache.db'));
  t = performance.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      putCachedAnswer(db, {
        key: keys[i],
        reply: { content: null, toolCalls: [{ id: `call_${i}`, name: 'answer', arguments: `{"answer":"City ${i}","confidence":0.9}` }], finishReason: 'tool_calls', model: 'gpt-4o-mini' },
        promptTokens: 90,
        completionTokens: 20,
        costUsd: 0.0000255,
        source: 'live',
        runId: 1,
      });
    }
  })();
  console.log(`keep an answer (in one transaction): ${micros(performance.now() - t, n)} each; file ${(fs.statSync(db.name).size / 1e6).toFixed(1)} MB + WAL`);
  t = performance.now();
  let hits = 0;
  for (let i = 0; i < lookups; i++) if (getKeptAnswer(db, keys[(i * 7919) % n])) hits++;
  console.log(`lookup, a hit: ${micros(performance.now() - t, lookups)} each (${hits} of ${lookups} found, over ${n.toLocaleString('en-US')} answers)`);
  t = performance.now();
  for (let i = 0; i < lookups; i++) if (getKeptAnswer(db, cacheKey(URL, request(n + i)))) hits++;
  console.log(`key + lookup, a miss: ${micros(performance.now() - t, lookups)} each`);
  db.close();

  // As a run keeps them: a session cache's answers written with each commit. Each answer lands on a
  // random page of the table (its key is a hash), so a commit writes about as many pages as answers.
  const session = openDatabase(path.join(dir, 'session.db'));
  const cache = sessionCache(session, 1);
  const cpu = process.cpuUsage();
  t = performance.now();
  for (let i = 0; i < n; i++) {
    cache.put(keys[i], { reply: { content: null, toolCalls: [{ id: `call_${i}`, name: 'answer', arguments: `{"answer":"City ${i}","confidence":0.9}` }], finishReason: 'tool_calls', model: 'gpt-4o-mini', promptTokens: 90, completionTokens: 20 }, costUsd: 0.0000255 });
    if (i % COMMIT === COMMIT - 1 || i === n - 1) session.transaction(() => cache.writePending()).immediate();
  }
  const used = process.cpuUsage(cpu);
  console.log(
    `keep an answer as a run does (a commit per ${COMMIT}): ${micros(performance.now() - t, n)} each, CPU ${micros(used.user / 1000, n)} user + ${micros(used.system / 1000, n)} system; file ${(fs.statSync(session.name).size / 1e6).toFixed(1)} MB + WAL`,
  );
  session.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
