// A key belongs to an endpoint: OPENAI_API_KEY goes only to OPENAI_BASE_URL, never to another server an
// agent file names; that one gets --api-key or ROWRUNNER_API_KEY, or no key at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { connectionFor } from './endpoint.ts';
import { lastJson, runCli } from './test-helpers.ts';

describe('connectionFor', () => {
  it('sends OPENAI_API_KEY only to OPENAI_BASE_URL, or to OpenAI when that is unset', () => {
    const env = { OPENAI_API_KEY: 'sk-home', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    expect(connectionFor(undefined, env, undefined).apiKey).toBe('sk-home');
    expect(connectionFor('http://127.0.0.1:1/v1/', env, undefined).apiKey).toBe('sk-home');
    expect(connectionFor('http://elsewhere.example/v1', env, undefined)).toMatchObject({ apiKey: 'no-key', note: expect.stringContaining('OPENAI_API_KEY is not sent') });
    expect(connectionFor('http://elsewhere.example/v1', { ...env, ROWRUNNER_API_KEY: 'sk-own' }, undefined).apiKey).toBe('sk-own');
    expect(connectionFor('http://elsewhere.example/v1', { ...env, ROWRUNNER_API_KEY: 'sk-own' }, 'sk-flag').apiKey).toBe('sk-flag');
    expect(connectionFor(undefined, { OPENAI_API_KEY: 'sk-home' }, undefined)).toEqual({ endpoint: { kind: 'openai' }, apiKey: 'sk-home' });
    expect(connectionFor('https://api.openai.com/v1', { OPENAI_API_KEY: 'sk-home' }, undefined).apiKey).toBe('sk-home');
    expect(() => connectionFor('https://api.openai.com/v1', env, undefined)).toThrow('give OpenAI\'s key with --api-key or ROWRUNNER_API_KEY');
  });
});

let home: Simulator;
let foreign: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let csv: string;

beforeAll(async () => {
  home = await startSimulator({ latencyMs: 0, apiKey: 'sk-home' });
  // A server that would take the home key if it were sent, and has a key of its own to give.
  foreign = await startSimulator({ latencyMs: 0 });
});
afterAll(async () => {
  await Promise.all([home.close(), foreign.close()]);
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-keys-'));
  env = { OPENAI_BASE_URL: home.url, OPENAI_API_KEY: 'sk-home', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, 'question\na\nb\n');
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

function agentAt(baseURL: string): string {
  const file = path.join(dir, 'agent.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}', baseURL }));
  return file;
}

describe('the rowrunner command', { timeout: 120_000 }, () => {
  it("does not send OPENAI_API_KEY to an agent file's other baseURL", async () => {
    foreign.setOptions({ apiKey: 'sk-home' });
    const res = await runCli(['run', csv, '--agent', agentAt(foreign.url), '--json'], env);
    // Every request went without the home key, so the server that wanted it refused them all.
    expect(res.code).toBe(1);
    expect(lastJson(res.stdout)).toMatchObject({ done: 0, failed: 2 });
    expect(res.stderr).toContain('OPENAI_API_KEY is not sent to it');
  });

  it("sends that endpoint's own key: ROWRUNNER_API_KEY or --api-key", async () => {
    foreign.setOptions({ apiKey: 'sk-foreign' });
    const viaEnv = await runCli(['run', csv, '--agent', agentAt(foreign.url), '--json'], { ...env, ROWRUNNER_API_KEY: 'sk-foreign' });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(lastJson(viaEnv.stdout)).toMatchObject({ done: 2 });
    const viaFlag = await runCli(['run', csv, '--agent', agentAt(foreign.url), '--api-key', 'sk-foreign', '--json'], env);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(lastJson(viaFlag.stdout)).toMatchObject({ done: 2 });
  });

  it('an agent naming OPENAI_BASE_URL itself gets OPENAI_API_KEY', async () => {
    const res = await runCli(['run', csv, '--agent', agentAt(`${home.url}/`), '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ done: 2 });
  });
});
