// AGENT.json made wrong one field at a time, and prompt templates that cannot be rendered: each is
// refused before anything runs, by the rowrunner command (exit 2, the file and the field named) and
// by the app's contract calls (a bad-request or bad-input naming agent.<field>), and no run is made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from './cli/main.ts';
import { createCore, type Core } from './core.ts';
import { createMemoryKeyStore } from './keys/index.ts';
import { callError } from './testing/call-error.ts';

let dir: string;
let core: Core;
let datasetId: string;
let csv: string;

const VALID = {
  name: 'labeller',
  model: 'gpt-4o-mini',
  systemMessage: 'You label reviews.',
  prompt: 'Label: {{review}}',
  tools: [{ name: 'answer', description: 'the label', parameters: { type: 'object', properties: { label: { type: 'string' }, score: { type: 'number' } } } }],
  doneIfTool: true,
  output: { label: 'label', score: 'score' },
  turns: 3,
  temperature: 0.2,
  maxTokensPerCall: 200,
  pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
};

type Spec = Record<string, unknown>;
const without = (key: string): Spec => Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key));
const tool = (over: Spec): Spec => ({ ...VALID, tools: [{ ...VALID.tools[0], ...over }] });

/** Each case: the spec with one thing wrong, and the field path the error must name. */
const WRONG: Array<[string, Spec, string]> = [
  ['name missing', without('name'), 'name'],
  ['name empty', { ...VALID, name: '' }, 'name'],
  ['name a number', { ...VALID, name: 7 }, 'name'],
  ['model missing', without('model'), 'model'],
  ['model empty', { ...VALID, model: '' }, 'model'],
  ['model a list', { ...VALID, model: ['gpt-4o'] }, 'model'],
  ['baseURL not a URL', { ...VALID, baseURL: 'my server' }, 'baseURL'],
  ['baseURL without a scheme', { ...VALID, baseURL: 'localhost:11434/v1' }, 'baseURL'],
  ['baseURL a file', { ...VALID, baseURL: 'file:///etc/passwd' }, 'baseURL'],
  ['baseURL another protocol', { ...VALID, baseURL: 'ftp://example.com/v1' }, 'baseURL'],
  ['systemMessage a number', { ...VALID, systemMessage: 42 }, 'systemMessage'],
  ['prompt missing', without('prompt'), 'prompt'],
  ['prompt empty', { ...VALID, prompt: '' }, 'prompt'],
  ['prompt an object', { ...VALID, prompt: { text: '{{review}}' } }, 'prompt'],
  ['tools not a list', { ...VALID, tools: 'answer' }, 'tools'],
  ['a tool without a name', tool({ name: undefined }), 'tools.0.name'],
  ['a tool name with a space', tool({ name: 'give answer' }), 'tools.0.name'],
  ['a tool description a number', tool({ description: 3 }), 'tools.0.description'],
  ['a tool’s parameters a string', tool({ parameters: 'label: string' }), 'tools.0.parameters'],
  ['a tool’s parameters not an object schema', tool({ parameters: { type: 'string' } }), 'tools.0.parameters.type'],
  ['a tool with an unknown key', tool({ strict: true }), 'tools.0'],
  ['two tools with one name', { ...VALID, tools: [VALID.tools[0], { name: 'answer' }] }, 'tools.1.name'],
  ['doneIfTool a string', { ...VALID, doneIfTool: 'yes' }, 'doneIfTool'],
  ['output a list', { ...VALID, output: ['label'] }, 'output'],
  ['output naming nothing', { ...VALID, output: { label: '' } }, 'output.label'],
  ['output a number', { ...VALID, output: { label: 5 } }, 'output.label'],
  ['output naming an argument no tool has', { ...VALID, output: { label: 'lable' } }, 'output.label'],
  ['output naming an argument without tools', { ...without('tools'), doneIfTool: false, output: { label: 'label' } }, 'output.label'],
  ['turns a fraction', { ...VALID, turns: 1.5 }, 'turns'],
  ['turns below -1', { ...VALID, turns: -2 }, 'turns'],
  ['turns zero', { ...VALID, turns: 0 }, 'turns'],
  ['turns a string', { ...VALID, turns: '3' }, 'turns'],
  ['temperature too high', { ...VALID, temperature: 3 }, 'temperature'],
  ['temperature negative', { ...VALID, temperature: -0.1 }, 'temperature'],
  ['maxTokensPerCall zero', { ...VALID, maxTokensPerCall: 0 }, 'maxTokensPerCall'],
  ['maxTokensPerCall a fraction', { ...VALID, maxTokensPerCall: 10.5 }, 'maxTokensPerCall'],
  ['pricing a string', { ...VALID, pricing: 'cheap' }, 'pricing'],
  ['pricing negative', { ...VALID, pricing: { inputPerMTok: -1, outputPerMTok: 1 } }, 'pricing.inputPerMTok'],
  ['pricing half missing', { ...VALID, pricing: { inputPerMTok: 1 } }, 'pricing.outputPerMTok'],
  ['pricing with an unknown key', { ...VALID, pricing: { inputPerMTok: 1, outputPerMTok: 1, currency: 'EUR' } }, 'pricing'],
];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-agent-spec-'));
  csv = path.join(dir, 'reviews.csv');
  fs.writeFileSync(csv, 'id,review\n1,great\n2,broken\n');
  core = createCore({ dataDir: dir, front: 'electron', keyStore: createMemoryKeyStore({}), simulator: { latencyMs: 0 } });
  datasetId = ((await core.dispatch('dataset:import', { source: { kind: 'path', path: csv } })) as { id: string }).id;
});

afterAll(async () => {
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (write: (s: string) => void) => ({ write: (s: string | Uint8Array) => (write(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const io: CliIo = {
    stdout: sink(() => {}),
    stderr: sink((s) => (stderr += s)),
    env: { OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'cli.db') },
    onInterrupt: () => () => {},
  };
  const code = await main(args, io);
  return { code, stderr };
}


const runCount = async () => ((await core.dispatch('runs:list', {})) as unknown[]).length;

describe('AGENT.json, one field wrong at a time', () => {
  it('the valid spec passes both', async () => {
    const file = path.join(dir, 'valid.json');
    fs.writeFileSync(file, JSON.stringify(VALID));
    // Up to the run itself: the command fails only for want of a reachable endpoint, not for the spec.
    const estimate = await core.dispatch('run:estimate', { datasetId, agent: VALID, options: {}, endpoint: { kind: 'simulated' } });
    expect(estimate).toMatchObject({ items: 2 });
  });

  it.each(WRONG)('%s: the command exits 2 naming the file and the field', async (_name, spec, field) => {
    const file = path.join(dir, 'agent.json');
    fs.writeFileSync(file, JSON.stringify(spec, null, 2));
    const out = path.join(dir, 'out.xlsx');
    fs.rmSync(out, { force: true });
    const res = await cli(['run', csv, '--agent', file, '--out', out]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('agent.json: not a valid agent spec:');
    expect(res.stderr).toMatch(new RegExp(`\\n  - ${field.replaceAll('.', '\\.')}: `));
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each(WRONG)('%s: run:start and run:estimate answer bad-request naming the field, and make no run', async (_name, spec, field) => {
    const before = await runCount();
    for (const call of ['run:start', 'run:estimate']) {
      const e = await callError(core.dispatch(call, { datasetId, agent: spec, options: {}, endpoint: { kind: 'simulated' } }));
      expect(e.code, `${call}: ${e.message}`).toBe('bad-request');
      expect(e.fields, `${call}: ${e.message}`).toContain(`agent.${field}`);
      expect(e.message).toContain(`agent.${field}`);
    }
    expect(await runCount()).toBe(before);
  });

  it('an endpoint base URL that is not http(s) is refused wherever it is given', async () => {
    for (const baseURL of ['localhost:1234/v1', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const endpoint = { kind: 'custom', baseURL };
      for (const [call, req] of [
        ['run:start', { datasetId, agent: VALID, options: {}, endpoint }],
        ['key:set', { endpoint, key: 'sk-x' }],
      ] as const) {
        const e = await callError(core.dispatch(call, req));
        expect(e, `${call} ${baseURL}`).toMatchObject({ code: 'bad-request', fields: ['endpoint.baseURL'] });
      }
    }
  });

  it('a tool’s parameters must be plain JSON, not nested without end', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { properties: { x: deep } };
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    for (const parameters of [{ type: 'object', ...(deep as object) }, cyclic, { type: 'object', big: 10n }, { type: 'object', when: new Date(0) }, { type: 'object', n: Infinity }]) {
      const e = await callError(core.dispatch('run:estimate', { datasetId, agent: tool({ parameters }), options: {}, endpoint: { kind: 'simulated' } }));
      expect(e.code).toBe('bad-request');
      expect(e.fields).toContain('agent.tools.0.parameters');
    }
  });

  it('an unknown top-level key is named', async () => {
    const file = path.join(dir, 'typo.json');
    fs.writeFileSync(file, JSON.stringify({ ...VALID, modle: 'gpt-4o' }));
    const res = await cli(['run', csv, '--agent', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/\(top level\): .*"modle"/);
    const e = await callError(core.dispatch('run:start', { datasetId, agent: { ...VALID, modle: 'gpt-4o' }, options: {}, endpoint: { kind: 'simulated' } }));
    expect(e.code).toBe('bad-request');
    expect(e.message).toContain('modle');
  });
});

describe('prompt templates', () => {
  const TEMPLATES: Array<[string, string, RegExp, RegExp]> = [
    ['an unclosed brace', 'Label {{review', /unclosed "\{\{" at character 7/, /prompt: unclosed "\{\{" at character 7/],
    ['an unclosed brace after a good one', '{{review}} and {{id', /unclosed "\{\{" at character 16/, /prompt: unclosed "\{\{" at character 16/],
    ['an empty column', 'Label {{ }}', /empty "\{\{\}\}" at character 7/, /prompt: empty "\{\{\}\}"/],
    ['an unknown column', 'Label {{revew}} of {{id}}', /\{\{revew\}\}, which the dataset.* lacks \(its columns: id, review\)/, /\{\{revew\}\}, which .*reviews\.csv lacks \(its columns: id, review\)/],
    ['two unknown columns', '{{a}} {{review}} {{b}}', /\{\{a\}\}, \{\{b\}\}/, /\{\{a\}\}, \{\{b\}\}/],
    ['a column with the wrong case', '{{Review}}', /\{\{Review\}\}/, /\{\{Review\}\}/],
  ];

  it.each(TEMPLATES)('%s: bad-input on agent.prompt from run:start and run:estimate, before any run', async (_name, prompt, contract) => {
    const before = await runCount();
    for (const call of ['run:start', 'run:estimate']) {
      const e = await callError(core.dispatch(call, { datasetId, agent: { ...VALID, prompt }, options: {}, endpoint: { kind: 'simulated' } }));
      expect(e.code, e.message).toBe('bad-input');
      expect(e.fields).toEqual(['agent.prompt']);
      expect(e.message).toMatch(contract);
    }
    expect(await runCount()).toBe(before);
  });

  it.each(TEMPLATES)('%s: the command exits 2 and says where', async (_name, prompt, _contract, command) => {
    const file = path.join(dir, 'agent.json');
    fs.writeFileSync(file, JSON.stringify({ ...VALID, prompt }));
    const res = await cli(['run', csv, '--agent', file]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('agent.json');
    expect(res.stderr).toMatch(command);
  });
});
