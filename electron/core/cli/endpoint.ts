// Which endpoint a run talks to, and which key it may send there.
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

/** An agent without a baseURL, no OPENAI_BASE_URL and no key would fail every item with a 401. */
export function checkKey(baseURL: string | undefined, env: CliIo['env']): void {
  if (!baseURL && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) {
    throw new UsageError(
      'OPENAI_API_KEY is not set, and neither the agent (baseURL) nor OPENAI_BASE_URL names another endpoint. ' +
        'Set OPENAI_API_KEY, or point OPENAI_BASE_URL at a compatible server (`rowrunner simulate` starts an offline one).',
    );
  }
}
