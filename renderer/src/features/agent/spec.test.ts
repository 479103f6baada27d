import { describe, expect, it } from 'vitest';
import { AgentSpecSchema } from '../../../../shared/domain.ts';
import { buildSpec, DEFAULT_TURNS, emptyDraft, insertColumn, parseAgentFile, specToDraft, specToJson, type AgentDraft } from './spec.ts';

function draft(patch: Partial<AgentDraft>): AgentDraft {
  return { ...emptyDraft(), prompt: 'Classify {{title}}', ...patch };
}

describe('buildSpec', () => {
  it('makes a structured answer one required-argument tool, doneIfTool, and an output column per field', () => {
    const { spec, errors } = buildSpec(
      draft({
        outputMode: 'structured',
        fields: [
          { name: 'label', type: 'string', description: 'the class' },
          { name: 'score', type: 'number', description: '' },
        ],
        temperature: '0.2',
        turns: '3',
      }),
    );
    expect(errors).toEqual({});
    expect(spec).toMatchObject({
      tools: [
        {
          name: 'answer',
          parameters: {
            type: 'object',
            properties: { label: { type: 'string', description: 'the class' }, score: { type: 'number' } },
            required: ['label', 'score'],
          },
        },
      ],
      doneIfTool: true,
      output: { label: 'label', score: 'score' },
      temperature: 0.2,
      turns: 3,
    });
    expect(AgentSpecSchema.safeParse(spec).success).toBe(true);
  });

  it('plain text has no tools and no output map (one column, result)', () => {
    const { spec } = buildSpec(draft({}));
    expect(spec?.tools).toBeUndefined();
    expect(spec?.output).toBeUndefined();
    expect(spec?.baseURL).toBeUndefined();
  });

  it('names each wrong field', () => {
    const { spec, errors } = buildSpec(
      draft({
        model: '',
        prompt: 'Hi {{title',
        endpoint: 'custom',
        baseURL: 'localhost',
        outputMode: 'structured',
        fields: [
          { name: 'a', type: 'string', description: '' },
          { name: 'a', type: 'string', description: '' },
          { name: '1x', type: 'string', description: '' },
        ],
        temperature: '3',
        priceIn: '1',
      }),
    );
    expect(spec).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['baseURL', 'fields.1.name', 'fields.2.name', 'model', 'priceOut', 'prompt', 'temperature']);
    expect(errors.prompt.text).toMatch(/^Prompt: unclosed/);
    expect(errors['fields.1.name'].text).toBe('Answer field 2: name is "a", already the name of answer field 1');
    expect(errors.temperature.text).toBe('Temperature must be at most 2');
    expect(errors.priceOut.text).toBe('Price out is required');
    expect(errors.model).toMatchObject({ kind: 'required', text: 'Model is required' });
  });

  it('names an empty answer field by its label, as a required field', () => {
    const { errors } = buildSpec(draft({ outputMode: 'structured', fields: [{ name: ' ', type: 'string', description: '' }] }));
    expect(errors['fields.0.name']).toMatchObject({ kind: 'required', text: 'Answer field 1: name is required' });
    expect(buildSpec(draft({ outputMode: 'structured', fields: [] })).errors.fields.text).toBe('Answer fields must have at least one entry');
  });

  it('takes its number rules from the schema', () => {
    const { errors } = buildSpec(draft({ turns: '0', maxTokensPerCall: '1.5', temperature: 'warm' }));
    expect(errors.turns.text).toBe('Turns must be -1 (no limit) or at least 1');
    expect(errors.maxTokensPerCall.text).toBe('Max tokens per call must be a whole number');
    expect(errors.temperature.text).toBe('Temperature must be a number');
  });

  it('round-trips through AGENT.json and back to the same draft', () => {
    const d = draft({
      endpoint: 'custom',
      baseURL: 'http://localhost:11434/v1',
      outputMode: 'structured',
      fields: [{ name: 'ok', type: 'boolean', description: 'is it' }],
      priceIn: '0.15',
      priceOut: '0.6',
      priceCached: '0.075',
      contextWindow: '32768',
    });
    const { spec } = buildSpec(d);
    expect(spec).toMatchObject({ pricing: { cachedInputPerMTok: 0.075 }, contextWindow: 32768 });
    const loaded = parseAgentFile(specToJson(spec!));
    expect(loaded.errors).toEqual([]);
    expect(specToDraft(loaded.spec!)).toEqual(d);
  });

  it('keeps tools it cannot show as fields', () => {
    const spec = AgentSpecSchema.parse({
      name: 'x',
      model: 'm',
      prompt: 'p',
      tools: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
    });
    const d = specToDraft(spec, 'simulated');
    expect(d.outputMode).toBe('custom');
    expect(d.endpoint).toBe('simulated');
    expect(buildSpec(d).spec?.tools).toEqual(spec.tools);
  });
});

describe('parseAgentFile', () => {
  it('lists every wrong field by its label', () => {
    const r = parseAgentFile(JSON.stringify({ name: '', model: 5, prompt: 'p', temperature: 9, extra: 1 }));
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([
      'Agent name is required',
      'Model must be a string',
      'Temperature must be at most 2',
      'The agent has no field "extra"',
    ]);
  });
  it('says when the file is not JSON', () => {
    expect(parseAgentFile('{').errors[0]).toMatch(/Not valid JSON/);
  });
});

describe('prompt helpers', () => {
  it('inserts a column at the cursor, replacing the selection', () => {
    expect(insertColumn('Hello world', 6, 11, 'name')).toEqual({ text: 'Hello {{name}}', caret: 14 });
    expect(insertColumn('', 0, 0, 'a')).toEqual({ text: '{{a}}', caret: 5 });
  });
});

describe('a new agent', () => {
  it('has a turn limit, while a loaded agent without one keeps no limit', () => {
    expect(emptyDraft().turns).toBe(String(DEFAULT_TURNS));
    expect(buildSpec(draft({})).spec?.turns).toBe(DEFAULT_TURNS);
    expect(specToDraft({ name: 'a', model: 'gpt-4o-mini', systemMessage: '', prompt: 'x' }, 'openai').turns).toBe('');
  });
});
