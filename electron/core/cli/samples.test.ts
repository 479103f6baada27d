// The bundled samples are valid and run end to end against the simulator (their baseURL is absent,
// so OPENAI_BASE_URL points them at it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { loadAgentFile } from './agent-file.ts';
import { lastJson, runCli } from './test-helpers.ts';

const SAMPLES = path.resolve(import.meta.dirname, '../../../resources/samples');
const index = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'index.json'), 'utf8')) as { id: string; csv: string; agent: string }[];

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-samples-'));
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('lists the Q&A, code-analysis and plain-text samples', () => {
  expect(index.map((s) => s.id)).toEqual(['questions', 'code-files', 'reviews']);
  expect(loadAgentFile(path.join(SAMPLES, 'qa-agent.json'))).toMatchObject({ doneIfTool: true, output: { answer: 'answer', confidence: 'confidence' } });
  expect(loadAgentFile(path.join(SAMPLES, 'summarize-agent.json')).tools).toBeUndefined();
});

for (const sample of index) {
  it(`runs the ${sample.id} sample`, async () => {
    const agent = loadAgentFile(path.join(SAMPLES, sample.agent));
    expect(agent.baseURL).toBeUndefined();
    const out = path.join(dir, `${sample.id}.jsonl`);
    const env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-simulated', ROWRUNNER_DB: path.join(dir, 'samples.db') };
    const res = await runCli(['run', path.join(SAMPLES, sample.csv), '--agent', path.join(SAMPLES, sample.agent), '--out', out, '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const json = lastJson(res.stdout);
    expect(json.failed).toBe(0);
    expect(json.done).toBe(json.items);
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(json.items as number);
    for (const column of Object.keys(agent.output ?? { result: '' })) {
      for (const row of rows) expect(row[column], `${sample.id} ${column}`).not.toBeNull();
    }
  });
}
