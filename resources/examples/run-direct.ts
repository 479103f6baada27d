// How the examples run from the command line: `node resources/examples/<name>.ts [baseURL]`.
// Without a base URL (argument or OPENAI_BASE_URL) and without OPENAI_API_KEY, they run against the
// built-in simulator, so they work offline.
import { fileURLToPath } from 'node:url';

export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}

export async function runDirect<T>(main: (baseURL?: string) => Promise<T>, print: (result: T) => void): Promise<void> {
  let baseURL = process.argv[2] ?? process.env.OPENAI_BASE_URL;
  let close: (() => Promise<void>) | undefined;
  if (!baseURL && !process.env.OPENAI_API_KEY) {
    const { startSimulator } = await import('../../electron/core/simulator/index.ts');
    const sim = await startSimulator({ latencyMs: 50 });
    baseURL = sim.url;
    close = () => sim.close();
    console.log(`(no OPENAI_API_KEY: using the simulator at ${baseURL})`);
  }
  try {
    print(await main(baseURL));
  } finally {
    await close?.();
  }
}

/** The model the examples use: ROWRUNNER_MODEL, else gpt-4o-mini. */
export const exampleModel = process.env.ROWRUNNER_MODEL ?? 'gpt-4o-mini';
