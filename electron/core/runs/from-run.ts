// A new run from an earlier one: the same rows of the same dataset (a trial's first N included), with
// an agent that may have changed. The earlier run's options carry over unless new ones are given; with
// a response cache, a row whose request did not change is answered from it and only the changed ones
// are sent.
import type { Endpoint } from '../../../shared/contract.ts';
import type { AgentSpecInput, RunOptionsInput } from '../../../shared/domain.ts';
import type { RunRecord } from '../store/runs.ts';
import type { CreateRunParams } from './service.ts';

export interface FromRunParams {
  fromRunId: string;
  agent: AgentSpecInput;
  /** Overrides the earlier run's options, option by option. */
  options?: RunOptionsInput;
  name?: string;
  /** Default: the earlier run's endpoint. */
  endpoint?: Endpoint;
}

export function fromRunParams(from: RunRecord, p: FromRunParams): CreateRunParams {
  const endpoint = p.endpoint ?? from.endpoint ?? undefined;
  return {
    datasetId: String(from.datasetId),
    agent: p.agent,
    options: { ...from.options, ...p.options },
    limit: from.itemCount,
    ...(p.name ? { name: p.name } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}
