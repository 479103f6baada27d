// The contract's "Test connection" call: the endpoint's base URL and key as a run would use them,
// then one GET /models (endpoint-test.ts, loaded on first use: it brings the openai SDK).
import type { Endpoint } from '../../shared/contract.ts';
import type { AgentSpec } from '../../shared/domain.ts';
import type { Handlers } from './core.ts';

interface Connection {
  baseURL?: string;
  apiKey?: string;
}

export function endpointTestHandler(
  hasKey: (endpoint: Endpoint) => boolean,
  connection: (endpoint: Endpoint, agent: AgentSpec) => Promise<Connection>,
): Pick<Handlers, 'endpoint:test'> {
  return {
    'endpoint:test': async ({ endpoint }) => {
      const { testEndpoint } = await import('./endpoint-test.ts');
      if (endpoint.kind === 'openai' && !hasKey(endpoint)) return { ok: false, message: 'No OpenAI API key is set: add one first.' };
      const conn = await connection(endpoint, { baseURL: endpoint.baseURL } as AgentSpec);
      return testEndpoint(conn.baseURL ?? '', conn.apiKey ?? '');
    },
  };
}
