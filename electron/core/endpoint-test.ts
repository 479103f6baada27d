// "Test connection" for an endpoint: one GET /models through the openai SDK with the key the endpoint
// would use, answered in a sentence that says what to fix. Never retried: the user waits on it.
import OpenAI from 'openai';
import { count } from '../../shared/plural.ts';

const TIMEOUT_MS = 10_000;

export async function testEndpoint(baseURL: string, apiKey: string): Promise<{ ok: boolean; message: string }> {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: TIMEOUT_MS });
  try {
    const page = await client.models.list();
    const models = page.data.length;
    return { ok: true, message: `Connected to ${baseURL}: it answers with ${count(models, 'model')}.` };
  } catch (e) {
    return { ok: false, message: failureText(baseURL, e) };
  }
}

function failureText(baseURL: string, e: unknown): string {
  if (e instanceof OpenAI.APIConnectionTimeoutError) return `${baseURL} did not answer within ${TIMEOUT_MS / 1000} seconds.`;
  if (e instanceof OpenAI.APIConnectionError) {
    const cause = (e.cause as { code?: string; message?: string } | undefined) ?? undefined;
    return `Could not reach ${baseURL}${cause?.code ? ` (${cause.code})` : ''}: is the server running, and is the address right?`;
  }
  if (e instanceof OpenAI.APIError) {
    if (e.status === 401 || e.status === 403) return `${baseURL} refused the key (HTTP ${e.status}): set the right key for this endpoint.`;
    if (e.status === 404) return `${baseURL} answered 404 for /models: check the base URL (it usually ends in /v1).`;
    return `${baseURL} answered HTTP ${e.status ?? '?'}: ${e.message}`;
  }
  return `The test failed: ${e instanceof Error ? e.message : String(e)}`;
}
