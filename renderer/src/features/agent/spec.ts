// The agent editor's draft and its translation to and from the AgentSpec (AGENT.json). A structured
// answer is a list of fields; it becomes one tool, `answer`, whose arguments are those fields (all
// required), with doneIfTool so the item ends when the model calls it, and an output map that makes
// each field its own output column. DOM-free: tested in Node.
import { AgentSpecSchema, type AgentSpec, type ToolSpec } from '../../../../shared/domain.ts';
import type { Endpoint } from '../../../../shared/contract.ts';
import { missingColumns, parseTemplate, TemplateError } from '../../../../shared/template.ts';

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
}

export const ANSWER_TOOL = 'answer';
export const DEFAULT_ANSWER_DESCRIPTION = 'Give the answer for this row.';

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
    turns: '',
    temperature: '',
    maxTokensPerCall: '',
    priceIn: '',
    priceOut: '',
  };
}

export const FIELD_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Problems of the field list, keyed `fields.<i>.name` etc., plus `fields` for the list as a whole. */
export function fieldErrors(fields: readonly OutputField[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (fields.length === 0) errors.fields = 'Add at least one field.';
  const seen = new Map<string, number>();
  fields.forEach((f, i) => {
    const name = f.name.trim();
    if (!name) errors[`fields.${i}.name`] = 'Name the field.';
    else if (!FIELD_NAME_RE.test(name)) errors[`fields.${i}.name`] = 'Letters, digits and _, not starting with a digit (at most 64).';
    else if (seen.has(name)) errors[`fields.${i}.name`] = `"${name}" is already field ${seen.get(name)! + 1}.`;
    else seen.set(name, i);
    if (!FIELD_TYPES.includes(f.type)) errors[`fields.${i}.type`] = 'Pick a type.';
  });
  return errors;
}

/** The JSON schema of the answer tool's arguments. */
export function answerParameters(fields: readonly OutputField[]): Record<string, unknown> {
  const properties: Record<string, Record<string, string>> = {};
  for (const f of fields) {
    const name = f.name.trim();
    properties[name] = f.description.trim() ? { type: f.type, description: f.description.trim() } : { type: f.type };
  }
  return { type: 'object', properties, required: fields.map((f) => f.name.trim()), additionalProperties: false };
}

function parseNumber(
  text: string,
  key: string,
  errors: Record<string, string>,
  check: (n: number) => string | null,
): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    errors[key] = 'Enter a number.';
    return undefined;
  }
  const problem = check(n);
  if (problem) {
    errors[key] = problem;
    return undefined;
  }
  return n;
}

export interface BuildResult {
  spec: AgentSpec | null;
  /** Keyed by the draft's field: name, model, baseURL, prompt, fields.<i>.name, turns, … */
  errors: Record<string, string>;
}

/** Builds the AgentSpec from the draft, or says what is wrong with it, field by field. */
export function buildSpec(draft: AgentDraft): BuildResult {
  const errors: Record<string, string> = {};
  if (!draft.name.trim()) errors.name = 'Name the agent.';
  if (!draft.model.trim()) errors.model = 'Name the model.';
  if (draft.endpoint === 'custom') {
    const url = draft.baseURL.trim();
    if (!url) errors.baseURL = 'Enter the base URL, e.g. http://localhost:11434/v1';
    else if (!isHttpUrl(url)) errors.baseURL = 'Enter a full http:// or https:// URL.';
  }
  if (!draft.prompt.trim()) errors.prompt = 'Write the prompt.';
  else {
    try {
      parseTemplate(draft.prompt);
    } catch (e) {
      errors.prompt = e instanceof TemplateError ? e.message : String(e);
    }
  }
  const turns = parseNumber(draft.turns, 'turns', errors, (n) =>
    Number.isInteger(n) && n >= -1 && n !== 0 ? null : 'A whole number ≥ 1, or -1 for no limit.',
  );
  const temperature = parseNumber(draft.temperature, 'temperature', errors, (n) =>
    n >= 0 && n <= 2 ? null : 'Between 0 and 2.',
  );
  const maxTokensPerCall = parseNumber(draft.maxTokensPerCall, 'maxTokensPerCall', errors, (n) =>
    Number.isInteger(n) && n > 0 ? null : 'A whole number above 0.',
  );
  const priceIn = parseNumber(draft.priceIn, 'priceIn', errors, (n) => (n >= 0 ? null : 'Zero or more.'));
  const priceOut = parseNumber(draft.priceOut, 'priceOut', errors, (n) => (n >= 0 ? null : 'Zero or more.'));
  if ((priceIn === undefined) !== (priceOut === undefined) && !errors.priceIn && !errors.priceOut) {
    errors[priceIn === undefined ? 'priceIn' : 'priceOut'] = 'Give both prices, or neither.';
  }

  const spec: AgentSpec = {
    name: draft.name.trim(),
    model: draft.model.trim(),
    systemMessage: draft.systemMessage,
    prompt: draft.prompt,
  };
  if (draft.endpoint === 'custom' && draft.baseURL.trim()) spec.baseURL = draft.baseURL.trim();

  if (draft.outputMode === 'structured') {
    Object.assign(errors, fieldErrors(draft.fields));
    spec.tools = [
      {
        name: ANSWER_TOOL,
        description: draft.answerDescription.trim() || DEFAULT_ANSWER_DESCRIPTION,
        parameters: answerParameters(draft.fields),
      },
    ];
    spec.doneIfTool = true;
    spec.output = Object.fromEntries(draft.fields.map((f) => [f.name.trim(), f.name.trim()]));
  } else if (draft.outputMode === 'custom' && draft.custom) {
    spec.tools = draft.custom.tools;
    if (draft.custom.doneIfTool !== undefined) spec.doneIfTool = draft.custom.doneIfTool;
    if (draft.custom.output) spec.output = draft.custom.output;
  }
  if (turns !== undefined) spec.turns = turns;
  if (temperature !== undefined) spec.temperature = temperature;
  if (maxTokensPerCall !== undefined) spec.maxTokensPerCall = maxTokensPerCall;
  if (priceIn !== undefined && priceOut !== undefined) spec.pricing = { inputPerMTok: priceIn, outputPerMTok: priceOut };

  if (Object.keys(errors).length) return { spec: null, errors };
  // The schema has the last word (it is what the core and the CLI check).
  const parsed = AgentSpecSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[issue.path.join('.') || 'spec'] = issue.message;
    return { spec: null, errors };
  }
  return { spec: parsed.data, errors };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
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
  if (spec.turns !== undefined) draft.turns = String(spec.turns);
  if (spec.temperature !== undefined) draft.temperature = String(spec.temperature);
  if (spec.maxTokensPerCall !== undefined) draft.maxTokensPerCall = String(spec.maxTokensPerCall);
  if (spec.pricing) {
    draft.priceIn = String(spec.pricing.inputPerMTok);
    draft.priceOut = String(spec.pricing.outputPerMTok);
  }
  return draft;
}

/** Reads an AGENT.json: the spec, or one message per wrong field ("model: …"). */
export function parseAgentFile(text: string): { spec: AgentSpec; errors: [] } | { spec: null; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { spec: null, errors: [`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const parsed = AgentSpecSchema.safeParse(json);
  if (parsed.success) return { spec: parsed.data, errors: [] };
  return {
    spec: null,
    errors: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`),
  };
}

/** The text of AGENT.json for a spec, in the CLI's format. */
export function specToJson(spec: AgentSpec): string {
  return JSON.stringify(spec, null, 2) + '\n';
}

export interface PromptCheck {
  /** Unclosed or empty braces, with the character they start at. */
  syntax: string | null;
  /** Columns the prompt names that the CSV lacks. */
  missing: string[];
}

export function checkPrompt(prompt: string, columns: readonly string[] | null): PromptCheck {
  try {
    parseTemplate(prompt);
  } catch (e) {
    return { syntax: e instanceof TemplateError ? e.message : String(e), missing: [] };
  }
  return { syntax: null, missing: columns ? missingColumns(prompt, columns) : [] };
}

/** Inserts `{{column}}` into text at a selection; returns the new text and where the caret goes. */
export function insertColumn(text: string, start: number, end: number, column: string): { text: string; caret: number } {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  const token = `{{${column}}}`;
  return { text: text.slice(0, s) + token + text.slice(e), caret: s + token.length };
}
