// The agent editor's draft and its translation to and from the AgentSpec (AGENT.json). A structured
// answer is a list of fields; it becomes one tool, `answer`, whose arguments are those fields (all
// required), with doneIfTool so the item ends when the model calls it, and an output map that makes
// each field its own output column. DOM-free: tested in Node.
import { z } from 'zod';
import { AgentSpecSchema, type AgentSpec, type ToolSpec } from '../../../../shared/domain.ts';
import type { Endpoint } from '../../../../shared/contract.ts';
import { agentLabel } from '../../../../shared/labels.ts';
import { agentIssue, checkPrompt, numberText, validate, type FieldIssue } from '../../../../shared/validation.ts';

export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface OutputField {
  name: string;
  type: FieldType;
  description: string;
}

export type EndpointKind = Endpoint['kind'];
export type OutputMode = 'text' | 'structured' | 'custom';

/** What a loaded AGENT.json had that the field list cannot express; kept as it was. */
export interface CustomTools {
  tools: ToolSpec[];
  doneIfTool?: boolean;
  output?: Record<string, string>;
}

export interface AgentDraft {
  name: string;
  endpoint: EndpointKind;
  baseURL: string;
  model: string;
  systemMessage: string;
  prompt: string;
  outputMode: OutputMode;
  answerDescription: string;
  fields: OutputField[];
  custom: CustomTools | null;
  /** Numbers are kept as typed so a field can be empty; '' means "not set". */
  turns: string;
  temperature: string;
  maxTokensPerCall: string;
  priceIn: string;
  priceOut: string;
  /** The cached-input price and the context window, for models Rowrunner has no table entry for. */
  priceCached: string;
  contextWindow: string;
}

export const ANSWER_TOOL = 'answer';
export const DEFAULT_ANSWER_DESCRIPTION = 'Give the answer for this row.';

/** A new agent's turn limit: enough for a tool call and its follow-up, never a runaway loop. */
export const DEFAULT_TURNS = 10;

export function emptyDraft(): AgentDraft {
  return {
    name: 'my-agent',
    endpoint: 'simulated',
    baseURL: '',
    model: 'gpt-4o-mini',
    systemMessage: '',
    prompt: '',
    outputMode: 'text',
    answerDescription: DEFAULT_ANSWER_DESCRIPTION,
    fields: [],
    custom: null,
    turns: String(DEFAULT_TURNS),
    temperature: '',
    maxTokensPerCall: '',
    priceIn: '',
    priceOut: '',
    priceCached: '',
    contextWindow: '',
  };
}

export const FIELD_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The structured answer's fields: each becomes a tool argument and an output column of the same name. */
const AnswerFieldsSchema = z
  .array(
    z.object({
      name: z.string().trim().min(1).regex(FIELD_NAME_RE, 'must be letters, digits and _, not starting with a digit (at most 64)'),
      type: z.enum(FIELD_TYPES),
      description: z.string(),
    }),
  )
  .min(1)
  .superRefine((fields, ctx) => {
    const seen = new Map<string, number>();
    fields.forEach((f, i) => {
      const at = seen.get(f.name);
      if (at === undefined) seen.set(f.name, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `is "${f.name}", already the name of answer field ${at + 1}` });
    });
  });

/** The JSON schema of the answer tool's arguments. */
export function answerParameters(fields: readonly OutputField[]): Record<string, unknown> {
  const properties: Record<string, Record<string, string>> = {};
  for (const f of fields) {
    const name = f.name.trim();
    properties[name] = f.description.trim() ? { type: f.type, description: f.description.trim() } : { type: f.type };
  }
  return { type: 'object', properties, required: fields.map((f) => f.name.trim()), additionalProperties: false };
}

/** Where a spec path's problem is shown in the form, when the draft names that field differently. */
const DRAFT_KEY: Record<string, string> = {
  pricing: 'priceIn',
  'pricing.inputPerMTok': 'priceIn',
  'pricing.outputPerMTok': 'priceOut',
  'pricing.cachedInputPerMTok': 'priceCached',
};

export interface BuildResult {
  spec: AgentSpec | null;
  /** Keyed by the draft's field: name, model, baseURL, prompt, fields.<i>.name, turns, priceIn, … */
  errors: Record<string, FieldIssue>;
}

/**
 * Builds the AgentSpec from the draft, or says what is wrong with it, field by field. The rules are
 * AgentSpecSchema's; the draft adds only what the spec cannot say (a custom endpoint needs its URL,
 * the prompt's braces, the answer fields).
 */
export function buildSpec(draft: AgentDraft): BuildResult {
  const issues: FieldIssue[] = [];
  if (draft.endpoint === 'custom' && !draft.baseURL.trim()) issues.push(agentIssue('baseURL', 'required', 'is required, e.g. http://localhost:11434/v1'));
  const syntax = draft.prompt.trim() ? checkPrompt(draft.prompt, null).syntax : null;
  if (syntax) issues.push(agentIssue('prompt', 'invalid', syntax));

  const input: Record<string, unknown> = {
    name: draft.name.trim(),
    model: draft.model.trim(),
    systemMessage: draft.systemMessage,
    prompt: draft.prompt.trim() ? draft.prompt : '',
    baseURL: draft.endpoint === 'custom' && draft.baseURL.trim() ? draft.baseURL.trim() : undefined,
    turns: numberText(draft.turns),
    temperature: numberText(draft.temperature),
    maxTokensPerCall: numberText(draft.maxTokensPerCall),
    pricing: draft.priceIn.trim() || draft.priceOut.trim() ? { inputPerMTok: numberText(draft.priceIn), outputPerMTok: numberText(draft.priceOut) } : undefined,
    contextWindow: numberText(draft.contextWindow),
  };
  if (input.pricing && draft.priceCached.trim()) (input.pricing as Record<string, unknown>).cachedInputPerMTok = numberText(draft.priceCached);
  if (draft.outputMode === 'structured') {
    const fields = validate(z.object({ fields: AnswerFieldsSchema }), { fields: draft.fields }, agentLabel);
    issues.push(...fields.issues);
    // Tools made of wrong fields would only repeat the fields' problems.
    if (fields.data) {
      input.tools = [{ name: ANSWER_TOOL, description: draft.answerDescription.trim() || DEFAULT_ANSWER_DESCRIPTION, parameters: answerParameters(draft.fields) }];
      input.doneIfTool = true;
      input.output = Object.fromEntries(draft.fields.map((f) => [f.name.trim(), f.name.trim()]));
    }
  } else if (draft.outputMode === 'custom' && draft.custom) {
    input.tools = draft.custom.tools;
    input.doneIfTool = draft.custom.doneIfTool;
    input.output = draft.custom.output;
  }
  const parsed = validate(AgentSpecSchema, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)), agentLabel);
  issues.push(...parsed.issues);

  const errors: Record<string, FieldIssue> = {};
  for (const issue of issues) {
    const key = DRAFT_KEY[issue.path] ?? (issue.path || 'spec');
    errors[key] ??= issue;
  }
  return { spec: issues.length ? null : parsed.data, errors };
}

/** The endpoint a draft runs against, as the contract wants it. */
export function endpointOf(draft: Pick<AgentDraft, 'endpoint' | 'baseURL'>): Endpoint {
  return draft.endpoint === 'custom' && draft.baseURL.trim()
    ? { kind: 'custom', baseURL: draft.baseURL.trim() }
    : { kind: draft.endpoint };
}

/** Reads fields back from a spec whose tools are exactly the structured answer; null if they are not. */
export function structuredFields(spec: AgentSpec): { fields: OutputField[]; description: string } | null {
  const tools = spec.tools ?? [];
  if (tools.length !== 1 || tools[0].name !== ANSWER_TOOL || spec.doneIfTool !== true) return null;
  const params = tools[0].parameters as { type?: unknown; properties?: unknown; required?: unknown };
  if (params.type !== 'object' || !params.properties || typeof params.properties !== 'object') return null;
  const fields: OutputField[] = [];
  for (const [name, raw] of Object.entries(params.properties as Record<string, unknown>)) {
    const prop = (raw ?? {}) as { type?: unknown; description?: unknown };
    if (!FIELD_TYPES.includes(prop.type as FieldType)) return null;
    fields.push({ name, type: prop.type as FieldType, description: typeof prop.description === 'string' ? prop.description : '' });
  }
  if (fields.length === 0) return null;
  const output = spec.output;
  if (output) {
    const keys = Object.keys(output);
    if (keys.length !== fields.length || !fields.every((f) => output[f.name] === f.name)) return null;
  }
  return { fields, description: tools[0].description };
}

/** The draft for a spec (a loaded AGENT.json, a sample's agent, a run's agent). */
export function specToDraft(spec: AgentSpec, endpoint?: EndpointKind): AgentDraft {
  const draft = emptyDraft();
  draft.name = spec.name;
  draft.model = spec.model;
  draft.systemMessage = spec.systemMessage ?? '';
  draft.prompt = spec.prompt;
  if (spec.baseURL) {
    draft.endpoint = 'custom';
    draft.baseURL = spec.baseURL;
  } else {
    draft.endpoint = endpoint && endpoint !== 'custom' ? endpoint : 'openai';
  }
  const structured = structuredFields(spec);
  if (structured) {
    draft.outputMode = 'structured';
    draft.fields = structured.fields;
    draft.answerDescription = structured.description || DEFAULT_ANSWER_DESCRIPTION;
  } else if (spec.tools && spec.tools.length) {
    draft.outputMode = 'custom';
    draft.custom = { tools: spec.tools, doneIfTool: spec.doneIfTool, output: spec.output };
  } else {
    draft.outputMode = 'text';
  }
  // A loaded agent keeps what it says: no turns there means no limit, not the new agent's default.
  draft.turns = spec.turns !== undefined ? String(spec.turns) : '';
  if (spec.temperature !== undefined) draft.temperature = String(spec.temperature);
  if (spec.maxTokensPerCall !== undefined) draft.maxTokensPerCall = String(spec.maxTokensPerCall);
  if (spec.pricing) {
    draft.priceIn = String(spec.pricing.inputPerMTok);
    draft.priceOut = String(spec.pricing.outputPerMTok);
    if (spec.pricing.cachedInputPerMTok !== undefined) draft.priceCached = String(spec.pricing.cachedInputPerMTok);
  }
  if (spec.contextWindow !== undefined) draft.contextWindow = String(spec.contextWindow);
  return draft;
}

/** Reads an AGENT.json: the spec, or one message per wrong field ("Model is required"). */
export function parseAgentFile(text: string): { spec: AgentSpec; errors: [] } | { spec: null; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { spec: null, errors: [`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const parsed = validate(AgentSpecSchema, json, agentLabel);
  if (parsed.data) return { spec: parsed.data, errors: [] };
  return { spec: null, errors: parsed.issues.map((i) => i.text) };
}

/** The text of AGENT.json for a spec, in the CLI's format. */
export function specToJson(spec: AgentSpec): string {
  return JSON.stringify(spec, null, 2) + '\n';
}

/** Inserts `{{column}}` into text at a selection; returns the new text and where the caret goes. */
export function insertColumn(text: string, start: number, end: number, column: string): { text: string; caret: number } {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  const token = `{{${column}}}`;
  return { text: text.slice(0, s) + token + text.slice(e), caret: s + token.length };
}
