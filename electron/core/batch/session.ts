// A run's batch in either mode. Live: the spec batch as it is. Batch: the same spec batch over the
// batch transport (transport.ts), every item in flight at once so that each round's requests share
// the batch files, priced at the batch price; the endpoint is checked for a Batch API first, so an
// endpoint without one is told before anything is sent and the run's items stay pending.
import type { AgentSpec, BatchEvent, Pricing } from '../../../shared/domain.ts';
import { lookupPrice } from '../engine/pricing.ts';
import { startSpecBatch, type SpecBatchHandle, type SpecBatchItemSource, type SpecBatchParams } from '../engine/spec-batch.ts';
import type { Db } from '../store/db.ts';
import { BatchApi } from './client.ts';
import type { FileLimits } from './jsonl.ts';
import type { PollSchedule } from './poll.ts';
import { BatchTransport, type BatchProgress } from './transport.ts';

/** What a provider charges for a batch request, as a share of the live price, when the agent does not say. */
export const DEFAULT_BATCH_MULTIPLIER = 0.5;

/** The agent's prices at the batch rate: its pricing's batchMultiplier, else half. */
export function batchPricing(spec: Pick<AgentSpec, 'model' | 'pricing'>): Pricing | undefined {
  const { known, pricing } = lookupPrice(spec.model, spec.pricing);
  if (!known) return spec.pricing;
  const m = spec.pricing?.batchMultiplier ?? DEFAULT_BATCH_MULTIPLIER;
  return { inputPerMTok: pricing.inputPerMTok * m, outputPerMTok: pricing.outputPerMTok * m };
}

export interface RunBatchParams extends SpecBatchParams {
  mode?: 'live' | 'batch';
  /** Batch mode keeps its batches and answers here. */
  db: Db;
  runId: number;
  onBatchProgress?: (p: BatchProgress) => void;
  limits?: FileLimits;
  poll?: PollSchedule;
}

export interface RunBatchHandle extends SpecBatchHandle {
  /** Stops waiting for the batches and leaves them running at the provider (a resume polls them again). */
  detach(): void;
}

type Finished = Extract<BatchEvent, { type: 'finished' }>;

export function startRunBatch(params: RunBatchParams): RunBatchHandle {
  if (params.mode !== 'batch') {
    const h = startSpecBatch(params);
    return { ...h, detach: () => h.cancel() };
  }
  const { spec, db, runId } = params;
  const items: SpecBatchItemSource = Array.isArray(params.items)
    ? { rows: params.items.map((i) => i.index), prompt: (i) => (params.items as { prompt: string }[])[i].prompt }
    : params.items;
  const baseURL = spec.baseURL || process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
  const api = new BatchApi({ baseURL, apiKey: params.apiKey || process.env.OPENAI_API_KEY, limits: params.limits });
  const pricing = batchPricing(spec);
  const transport = new BatchTransport({ db, runId, api, cacheEndpoint: params.cacheEndpoint, pricing: pricing ?? { inputPerMTok: 0, outputPerMTok: 0 }, onProgress: params.onBatchProgress, poll: params.poll }, items.rows.length);
  let inner: SpecBatchHandle | undefined;
  let asked: 'pause' | 'cancel' | 'detach' | undefined;
  let cancelling: Promise<void> | undefined;

  const onEvent = (e: BatchEvent): void => {
    if (e.type === 'item-started') transport.itemStarted();
    else if (e.type === 'item-done' || e.type === 'item-failed') transport.itemEnded();
    // An item stopped by the batches' own failure did not fail itself: it is set aside, and a resume sends it.
    if (e.type === 'item-failed' && transport.failure && e.error === transport.failure.message) {
      params.onEvent({ type: 'item-skipped', index: e.index, reason: 'error' });
      return;
    }
    params.onEvent(e);
  };

  const done = (async (): Promise<Finished> => {
    try {
      await api.probe();
    } catch (err) {
      const finished: Finished = { type: 'finished', status: 'stopped-error', error: err instanceof Error ? err.message : String(err) };
      params.onEvent(finished);
      await transport.close();
      return finished;
    }
    if (asked === 'cancel' || asked === 'detach') {
      const finished: Finished = { type: 'finished', status: 'cancelled' };
      params.onEvent(finished);
      return finished;
    }
    inner = startSpecBatch({
      ...params,
      spec: { ...spec, pricing },
      items: { rows: items.rows, prompt: (i) => promptOf(i) },
      // Every item in flight at once: a round's requests go out together. The provider's batch limits
      // replace the live rate limits.
      options: { ...params.options, batchSize: Math.max(1, items.rows.length), sequential: false, rpm: undefined, tpm: undefined },
      client: transport,
      // The transport answers from the same cache table, and pays a batch answer once in the ledger
      // (the engine's cache would replay an answer not yet paid for as free).
      cache: undefined,
      onEvent,
    });
    if (asked === 'pause') inner.pause();
    const finished = await inner.done;
    await cancelling;
    if (transport.failure && finished.status === 'completed') return { type: 'finished', status: 'stopped-error', error: transport.failure.message };
    return finished;
  })();

  const promptOf = (i: number): string => {
    const p = items.prompt(i);
    transport.promptOf(items.rows[i], p);
    return p;
  };

  return {
    pause: () => (inner ? inner.pause() : (asked = 'pause')),
    resume: () => (inner ? inner.resume() : (asked = undefined)),
    cancel: () => {
      asked = 'cancel';
      cancelling ??= transport.cancelBatches().catch(() => undefined);
      transport.detach();
      inner?.cancel();
    },
    detach: () => {
      asked = 'detach';
      transport.detach();
      inner?.cancel();
    },
    done,
  };
}
