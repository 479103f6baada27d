// The static prefix of an agent's requests: what every row's request starts with (system message,
// tools and their schemas, the prompt template's text before its first column). Providers bill a
// repeated prefix at their cached-input rate once it is long enough; OpenAI caches from 1,024 tokens.
import type { AgentSpec } from '../../../shared/domain.ts';
import { parseTemplate, TemplateError } from '../../../shared/template.ts';

/** The shortest prefix a provider caches (OpenAI's). */
export const CACHEABLE_PREFIX_TOKENS = 1024;
/** A provider caches a prefix in steps of this many tokens (OpenAI's). */
export const CACHE_STEP_TOKENS = 128;

/**
 * The static prefix's tokens, at about 4 characters a token (as the throttle estimates): the run
 * decides with it, before the tokenizer's tables would have loaded.
 */
export function staticPrefixTokens(spec: Pick<AgentSpec, 'systemMessage' | 'tools' | 'prompt'>): number {
  let chars = spec.systemMessage?.length ?? 0;
  if (spec.tools?.length) chars += JSON.stringify(spec.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }))).length;
  try {
    const first = parseTemplate(spec.prompt)[0];
    if (first && 'text' in first) chars += first.text.length;
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
  }
  return Math.ceil(chars / 4);
}

/** Whether the requests share a prefix long enough to be cached. */
export function cacheablePrefix(spec: Pick<AgentSpec, 'systemMessage' | 'tools' | 'prompt'>): boolean {
  return staticPrefixTokens(spec) >= CACHEABLE_PREFIX_TOKENS;
}
