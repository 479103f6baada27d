// What the user calls each field of the agent spec and the run options: the words every message about
// a field starts with ("Temperature must be at most 2"), so no message shows a raw path like "fields.0.name".

type Path = readonly PropertyKey[];

export const AGENT_LABELS: Readonly<Record<string, string>> = {
  name: 'Agent name',
  model: 'Model',
  baseURL: 'Base URL',
  systemMessage: 'System message',
  prompt: 'Prompt',
  tools: 'Tools',
  doneIfTool: 'End on a tool call (doneIfTool)',
  output: 'Output columns',
  turns: 'Turns',
  temperature: 'Temperature',
  maxTokensPerCall: 'Max tokens per call',
  pricing: 'Pricing',
  'pricing.inputPerMTok': 'Price in',
  'pricing.outputPerMTok': 'Price out',
  'pricing.cachedInputPerMTok': 'Price cached in',
  contextWindow: 'Context window',
  // The structured answer the Agent screen edits: one entry per output column.
  fields: 'Answer fields',
};

export const RUN_OPTION_LABELS: Readonly<Record<string, string>> = {
  batchSize: 'Batch size',
  sequential: 'Sequential',
  turns: 'Turns',
  onError: 'On error',
  maxCost: 'Max cost',
  maxTokens: 'Max tokens',
  rpm: 'Requests per minute',
  tpm: 'Tokens per minute',
  timeoutMs: 'Timeout',
  cache: 'Response cache',
};

const LIST_ITEM: Readonly<Record<string, string>> = { tools: 'Tool', fields: 'Answer field' };

/** The label of the field at `path` in a spec-like object: "Temperature", "Tool 2: name", "Answer field 1: type". */
export function labelOf(path: Path, labels: Readonly<Record<string, string>>, whole: string): string {
  const keys = path.map(String);
  if (keys.length === 0) return whole;
  const [head, second, ...rest] = keys;
  if (LIST_ITEM[head] && second !== undefined && /^\d+$/.test(second)) {
    const item = `${LIST_ITEM[head]} ${Number(second) + 1}`;
    return rest.length ? `${item}: ${rest.join('.')}` : item;
  }
  if (head === 'output' && second !== undefined) return `Output column "${second}"`;
  return labels[keys.join('.')] ?? labels[head] ?? keys.join('.');
}

export const agentLabel = (path: Path): string => labelOf(path, AGENT_LABELS, 'The agent');
export const runOptionLabel = (path: Path): string => labelOf(path, RUN_OPTION_LABELS, 'The run');
