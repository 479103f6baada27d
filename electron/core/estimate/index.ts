// The estimate shown before a run starts. Prompt tokens are counted with the o200k_base tokenizer (the
// one the current OpenAI models use) over every rendered prompt, the system message and the tool
// schemas, in the chat format's framing. Completion tokens cannot be known; they are estimated per call
// from the shape of the answer (the structured fields' types, or a plain-text allowance), capped by the
// agent's maxTokensPerCall. One call per item is assumed: tool loops make real runs cost more.
// A static prefix long enough to be cached is priced at the cached-input rate for every row after the
// first (the run warms it with the first row). A huge cell is counted from samples, so that one 5 MB
// cell does not hold the estimate (and the process serving it) for seconds; a row whose prompt does
// not fit the model's context window is named.
import type { Estimate } from '../../../shared/contract.ts';
import type { AgentSpec } from '../../../shared/domain.ts';
import { compileTemplate, parseTemplate } from '../../../shared/template.ts';
import { contextWindowOf, textTokens } from '../engine/context-window.ts';
import { costOf, lookupPrice, outputCap } from '../engine/pricing.ts';
import { CACHE_STEP_TOKENS, cacheablePrefix, CACHEABLE_PREFIX_TOKENS } from '../engine/prompt-prefix.ts';
import { countTokens, PER_MESSAGE, REPLY_PRIMING, TOKENIZER } from '../engine/tokens.ts';

export { countTokens, TOKENIZER };

/** Plain text answers: an allowance, since their length is not known in advance. */
const TEXT_ANSWER_TOKENS = 150;
const TOOL_CALL_OVERHEAD = 12;

/** Tokens every request of this agent carries besides the user prompt: system message, tools, framing. */
export function fixedPromptTokens(agent: AgentSpec): number {
  let n = REPLY_PRIMING + PER_MESSAGE + 1; // the user message's framing and role
  if (agent.systemMessage) n += PER_MESSAGE + 1 + countTokens(agent.systemMessage);
  if (agent.tools?.length) {
    const defs = agent.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
    n += countTokens(JSON.stringify(defs));
  }
  return n;
}

function fieldTokens(schema: unknown): number {
  const s = (schema && typeof schema === 'object' ? schema : {}) as Record<string, unknown>;
  if (Array.isArray(s.enum)) return 4;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'number':
    case 'integer':
      return 4;
    case 'boolean':
      return 2;
    case 'array':
      return 40;
    case 'object':
      return 50;
    default:
      return 30; // a string: a sentence or so
  }
}

/** The estimated completion tokens of one call of this agent. */
export function completionTokensPerCall(agent: AgentSpec): number {
  let n = TEXT_ANSWER_TOKENS;
  const outputArgs = Object.values(agent.output ?? {}).filter((a) => a !== 'content');
  if (agent.tools?.length && (agent.doneIfTool || outputArgs.length)) {
    // A structured answer: the tool call's JSON, each field's name and a value of its type.
    const tool = agent.tools[0];
    const props = ((tool.parameters as Record<string, unknown>).properties ?? {}) as Record<string, unknown>;
    n = TOOL_CALL_OVERHEAD + countTokens(tool.name);
    for (const [name, schema] of Object.entries(props)) n += 4 + countTokens(name) + fieldTokens(schema);
  }
  if (agent.maxTokensPerCall) n = Math.min(n, agent.maxTokensPerCall);
  return n;
}

export interface EstimateInput {
  agent: AgentSpec;
  /** The dataset's header. */
  columns: readonly string[];
  /** The rows, page by page (so 100,000 rows are never held at once). */
  pages: AsyncIterable<readonly (readonly string[])[]>;
  /** Called with each row's prompt tokens (the budget check looks for the cheapest call). */
  onRow?: (promptTokens: number) => void;
}

/** Rows named in a too-long warning, at most. */
export const TOO_LONG_ROWS_SHOWN = 20;

/** The cached tokens a row after the first can expect: the static prefix, in the provider's steps. */
function cachedPerRow(agent: AgentSpec, fixed: number): number {
  if (!cacheablePrefix(agent)) return 0;
  let head = '';
  try {
    const first = parseTemplate(agent.prompt)[0];
    if (first && 'text' in first) head = first.text;
  } catch {
    head = '';
  }
  const prefix = fixed + countTokens(head);
  return prefix < CACHEABLE_PREFIX_TOKENS ? 0 : Math.floor(prefix / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS;
}

/** Counts every rendered prompt; yields to the event loop between pages so other calls are not held up. */
export async function estimateRun(input: EstimateInput): Promise<Estimate> {
  const { agent, columns } = input;
  const render = compileTemplate(agent.prompt);
  const fixed = fixedPromptTokens(agent);
  const perCall = completionTokensPerCall(agent);
  const contextWindow = contextWindowOf(agent.model, agent.contextWindow);
  const room = contextWindow === null ? Infinity : contextWindow - outputCap(agent.model, agent.maxTokensPerCall);
  const cachedEach = cachedPerRow(agent, fixed);
  let items = 0;
  let promptTokens = 0;
  let cachedTokens = 0;
  let sampled = false;
  const tooLong = { count: 0, rows: [] as number[], longest: 0 };
  for await (const page of input.pages) {
    for (const row of page) {
      const record: Record<string, string> = {};
      for (let c = 0; c < columns.length; c++) record[columns[c]] = row[c] ?? '';
      const counted = textTokens(render(record));
      sampled ||= !counted.exact;
      const rowTokens = fixed + counted.tokens;
      promptTokens += rowTokens;
      if (items > 0) cachedTokens += Math.min(cachedEach, rowTokens);
      if (rowTokens > room) {
        tooLong.count++;
        if (tooLong.rows.length < TOO_LONG_ROWS_SHOWN) tooLong.rows.push(items + 1);
        tooLong.longest = Math.max(tooLong.longest, rowTokens);
      }
      input.onRow?.(rowTokens);
      items++;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const completionTokens = items * perCall;
  const price = lookupPrice(agent.model, agent.pricing);
  return {
    items,
    promptTokens,
    completionTokens,
    cachedTokens,
    costUsd: price.known ? costOf({ promptTokens, completionTokens, cachedTokens }, price.pricing) : null,
    tokenizer: TOKENIZER,
    sampled,
    tooLong: tooLong.count > 0 && contextWindow !== null ? { ...tooLong, contextWindow } : null,
  };
}
