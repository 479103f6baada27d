// Which endpoint a run talks to, and which key goes there. A key belongs to an endpoint: OPENAI_API_KEY
// to OPENAI_BASE_URL (OpenAI's own API when that is unset), never to another server an agent file
// names, which could otherwise collect it. The app follows the same rule.
import type { Endpoint } from '../../../shared/contract.ts';
import { HttpUrlSchema } from '../../../shared/domain.ts';
import { normaliseBaseURL } from '../keys/index.ts';
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

const OPENAI_API = 'https://api.openai.com/v1';
/** What a server that takes no key (Ollama, LM Studio) is sent, as the app does. */
const NO_KEY = 'no-key';

export interface Connection {
  endpoint: Endpoint;
  apiKey: string;
  /** Said before the run: why no key is sent. */
  note?: string;
}

/**
 * `flagKey`: --api-key; `named`: what names `agentBaseURL`, for the messages. Throws a UsageError when
 * the endpoint is OpenAI's and no key is at hand.
 */
export function connectionFor(agentBaseURL: string | undefined, env: CliIo['env'], flagKey: string | undefined, named = "the agent's endpoint"): Connection {
  const envBase = env.OPENAI_BASE_URL?.trim() || undefined;
  const home = normaliseBaseURL(envBase ?? OPENAI_API);
  const given = flagKey?.trim() || undefined;
  const openaiKey = env.OPENAI_API_KEY?.trim() || undefined;

  if (agentBaseURL && normaliseBaseURL(agentBaseURL) !== home) {
    const own = given ?? (env.ROWRUNNER_API_KEY?.trim() || undefined);
    const endpoint: Endpoint = { kind: 'custom', baseURL: agentBaseURL };
    if (own) return { endpoint, apiKey: own };
    if (normaliseBaseURL(agentBaseURL) === OPENAI_API) {
      throw new UsageError(`${named} is OpenAI's API, which needs a key, and OPENAI_API_KEY is for ${home}: give OpenAI's key with --api-key or ROWRUNNER_API_KEY`);
    }
    const note = openaiKey
      ? `${named[0].toUpperCase()}${named.slice(1)} ${agentBaseURL} is not ${envBase ? `OPENAI_BASE_URL (${envBase})` : "OpenAI's API"}, so OPENAI_API_KEY is not sent to it; running without a key (give its own with --api-key or ROWRUNNER_API_KEY).`
      : undefined;
    return { endpoint, apiKey: NO_KEY, ...(note ? { note } : {}) };
  }
  const key = given ?? openaiKey;
  if (!envBase) {
    if (!key) {
      throw new UsageError(
        'OPENAI_API_KEY is not set, and neither the agent (baseURL) nor OPENAI_BASE_URL names another endpoint. ' +
          'Set OPENAI_API_KEY (or give --api-key), or point OPENAI_BASE_URL at a compatible server (`rowrunner simulate` starts an offline one).',
      );
    }
    return { endpoint: { kind: 'openai' }, apiKey: key };
  }
  return { endpoint: { kind: 'custom', baseURL: agentBaseURL ?? envBase }, apiKey: key ?? NO_KEY };
}

/** The base URL a session is sent to, always explicit: left out, the SDK would take today's OPENAI_BASE_URL. */
export function baseURLOf(endpoint: Endpoint): string {
  return endpoint.baseURL ?? OPENAI_API;
}

/**
 * Where a run continues: on the endpoint it recorded, whatever OPENAI_BASE_URL says today; on another
 * only when `--endpoint URL` asks (`flagEndpoint`), which the session then records. A run made before
 * endpoints were kept goes where a new run of its agent would. The key follows the same rule as a run's.
 */
export function continuationFor(
  run: { runId: string; endpoint: Endpoint | null; agent: { baseURL?: string } },
  env: CliIo['env'],
  flagKey: string | undefined,
  flagEndpoint: string | undefined,
): Connection {
  if (flagEndpoint !== undefined) {
    const url = HttpUrlSchema.safeParse(flagEndpoint.trim());
    if (!url.success) throw new UsageError(`--endpoint needs an http or https URL (such as http://127.0.0.1:11434/v1), got "${flagEndpoint}"`);
    return connectionFor(url.data, env, flagKey, '--endpoint');
  }
  const recorded = run.endpoint;
  if (recorded === null) return connectionFor(run.agent.baseURL, env, flagKey);
  if (recorded.kind === 'simulated') {
    throw new UsageError(
      `run ${run.runId} was started on the app's built-in simulated endpoint, which the command line cannot reach: ` +
        'continue it in the app, or give --endpoint URL (`rowrunner simulate` starts a simulated endpoint and prints its URL)',
    );
  }
  return connectionFor(baseURLOf(recorded), env, flagKey, "the run's endpoint");
}
