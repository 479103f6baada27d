// The batch transport under the engine itself: items that need several turns go on round by round,
// each round's requests in one batch, each answer kept in the cache and paid for once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ChatAgent } from '../engine/agent.ts';
import { runBatchTasks } from '../engine/batch.ts';
import { Task } from '../engine/task.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { runBatches } from '../store/provider-batches.ts';
import { BatchApi } from './client.ts';
import { BatchTransport } from './transport.ts';

let dir: string;
let db: Db;
let sim: Simulator;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-transport-'));
  db = openDatabase(path.join(dir, 'r.db'));
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES ('r', 1, '{}', '{}', 'running', 0, 0)`).run();
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PRICING = { inputPerMTok: 0.15, outputPerMTok: 0.6 };

/** Looks a word up with its tool, then answers in text: two turns an item. */
class Looker extends ChatAgent {
  lookup(args: unknown): string {
    return `found ${(args as { word: string }).word}`;
  }
}

function looker(transport: BatchTransport): Looker {
  const tool = { name: 'lookup', description: 'Look a word up', parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } };
  return new Looker({ name: 'looker', model: 'sim', tools: [tool], pricing: PRICING }, { client: transport });
}

async function run(words: string[]) {
  const transport = new BatchTransport({ db, runId: 1, api: new BatchApi({ baseURL: sim.url }), pricing: PRICING }, words.length);
  words.forEach((w, i) => transport.promptOf(i, w));
  const costs: number[] = [];
  const results = await runBatchTasks(new Task(looker(transport), { turns: 5 }), words, {
    batchSize: words.length,
    outputMap: (r) => r?.content ?? null,
    onEvent: (e) => {
      if (e.type === 'item-started') transport.itemStarted();
      else if (e.type === 'item-done' || e.type === 'item-failed') transport.itemEnded();
      else if (e.type === 'llm-call') costs.push(e.costUsd);
    },
  });
  await transport.close();
  return { results, costs };
}

it('runs items that need another turn in the next round, one batch a round', { timeout: 60_000 }, async () => {
  const words = ['apple', 'pear', 'plum'];
  const { results, costs } = await run(words);
  expect(results).toEqual(words.map((w) => expect.stringMatching(new RegExp(`^Done: found Simulated word: ${w}`))));
  expect(sim.stats()).toMatchObject({ fileUploads: 2, batchesCreated: 2 });
  expect(runBatches(db, 1).map((b) => [b.status, b.total])).toEqual([
    ['completed', 3],
    ['completed', 3],
  ]);
  expect(costs).toHaveLength(6);
  expect(db.prepare(`SELECT COUNT(*) FROM response_cache WHERE source = 'batch' AND run_id = 1`).pluck().get()).toBe(6);

  // The same items again replay every turn from the cache: nothing is sent, nothing paid again.
  sim.resetStats();
  const again = await run(words);
  expect(again.results).toEqual(results);
  expect(sim.stats()).toMatchObject({ requests: 0, fileUploads: 0, batchesCreated: 0 });
  expect(again.costs).toEqual([]);
});
