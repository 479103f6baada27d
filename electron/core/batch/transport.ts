// Batch mode as a transport: the engine's client, answering each call from the response cache, or
// parking it until a batch brings its answer. When every item in flight is parked (or waiting on the
// budget), the requests not yet sent go out as batch files; when a batch finishes its answers go into
// the cache and the parked calls return, so the items go on to their next turn, which parks again.
// Only the cache and the batches in flight are stored (store/provider-batches.ts): a resumed run's
// items replay their answered turns from the cache and park on the requests its batches still carry.
import { cacheKeyOfBody } from '../engine/cache/key.ts';
import { LlmCallError, LlmClient, estimateTokens, type CallOptions, type ChatReply, type ChatRequest } from '../engine/llm.ts';
import { costOf } from '../engine/pricing.ts';
import { toBody, type Completion } from '../engine/wire.ts';
import type { Pricing } from '../../../shared/domain.ts';
import type { Db } from '../store/db.ts';
import { getCachedAnswer, putCachedAnswer } from '../store/cache.ts';
import {
  batchedRequest,
  batchRequests,
  markCounted,
  openBatches,
  recordBatchCreated,
  recordBatchStatus,
  recordOutcomes,
  recordUpload,
  type ProviderBatch,
} from '../store/provider-batches.ts';
import { isFinal, type BatchApi, type LineResult } from './client.ts';
import { customId, toInputFiles, type BatchRequest, type ChatBody } from './jsonl.ts';
import { pollUntil, type PollSchedule } from './poll.ts';

/** Expired or cancelled requests go out once more; a request no batch ran twice fails its item. */
const MAX_SENDS = 2;

export interface BatchProgress {
  /** The batches of this run not yet collected, with the provider's last word on each. */
  batches: { batchId: string | null; status: string; total: number; completed: number; failed: number }[];
  /** Calls waiting for an answer. */
  parked: number;
}

export interface BatchTransportOptions {
  db: Db;
  runId: number;
  api: BatchApi;
  /** What the response cache keys the endpoint by; absent: its base URL. */
  cacheEndpoint?: string;
  /** The batch price (what an answer's cost is kept at in the cache). */
  pricing: Pricing;
  /** Told at each look at the batches and each submission. */
  onProgress?: (p: BatchProgress) => void;
  poll?: PollSchedule;
}

interface Waiter {
  resolve: (reply: ChatReply) => void;
  reject: (e: Error) => void;
  options: CallOptions;
  request: ChatRequest;
}

interface Parked {
  key: string;
  customId: string;
  body: ChatBody;
  waiters: Waiter[];
}

export class BatchTransport extends LlmClient {
  private readonly opts: BatchTransportOptions;
  private readonly parked = new Map<string, Parked>();
  /** Items the engine has started and not yet ended, told by the session (itemStarted/itemEnded). */
  private running = 0;
  private toStart: number;
  /** Calls waiting for the budget to let them reserve: they cannot park until batches settle. */
  private waitingOnBudget = 0;
  private driving = false;
  private kicked = false;
  private readonly stop = new AbortController();
  /** The item whose prompt a first user message is: custom ids name the item and the turn. */
  private readonly rowOfPrompt = new Map<string, number>();
  /** A failure of the batch machinery itself (an upload refused, the provider unreachable for good). */
  failure: Error | undefined;

  constructor(options: BatchTransportOptions, items: number) {
    super({ baseURL: options.api.baseURL, apiKey: 'unused', cacheEndpoint: options.cacheEndpoint });
    this.opts = options;
    this.toStart = items;
  }

  /** Says which row an item's prompt belongs to (the first row, for a prompt two rows share). */
  promptOf(row: number, prompt: string): void {
    if (!this.rowOfPrompt.has(prompt)) this.rowOfPrompt.set(prompt, row);
  }

  itemStarted(): void {
    this.running++;
    this.toStart = Math.max(0, this.toStart - 1);
  }

  itemEnded(): void {
    this.running = Math.max(0, this.running - 1);
    this.kick();
  }

  /** Stops polling; the provider's batches keep running (a resume polls them again). */
  detach(): void {
    this.stop.abort(new Error('cancelled'));
    for (const p of this.parked.values()) for (const w of p.waiters) w.reject(new Error('cancelled'));
    this.parked.clear();
  }

  /** Cancels the run's batches at the provider. */
  async cancelBatches(): Promise<void> {
    for (const b of openBatches(this.opts.db, this.opts.runId)) if (b.batchId) await this.opts.api.cancel(b.batchId);
  }

  override async probe(): Promise<boolean> {
    return true;
  }

  override async complete(request: ChatRequest, options: CallOptions = {}): Promise<ChatReply> {
    const { db, runId } = this.opts;
    const body = toBody(request);
    const key = cacheKeyOfBody(this.cacheEndpoint, body);
    const hit = getCachedAnswer(db, key);
    if (hit) {
      const reply: ChatReply = { ...hit.reply, promptTokens: hit.promptTokens, completionTokens: hit.completionTokens };
      // A batch answer is paid for once in the run's ledger; replays of it (a resumed item's earlier turns) are free.
      if (markCounted(db, runId, key)) report(options, reply, 1);
      return reply;
    }
    const before = batchedRequest(db, runId, key);
    if (before?.state === 'failed') throw new LlmCallError(before.error ?? 'the batch failed this request', 0, before.sends, false);
    if (before?.state === 'unfinished' && before.sends >= MAX_SENDS) throw unfinishedTwice(before.error, before.sends);
    const waiting = options.hooks?.beforeAttempt?.(estimateTokens(request), options.signal, request);
    if (waiting) {
      this.waitingOnBudget++;
      this.kick();
      try {
        await waiting;
      } finally {
        this.waitingOnBudget--;
      }
    }
    return new Promise<ChatReply>((resolve, reject) => {
      const turn = request.messages.filter((m) => m.role === 'assistant').length;
      const first = request.messages.find((m) => m.role === 'user')?.content ?? '';
      let p = this.parked.get(key);
      if (!p) {
        // A request a batch in flight already carries (a resumed run) keeps its custom id and is not sent again.
        const id = before?.state === 'sent' ? before.customId : customId(this.rowOfPrompt.get(first) ?? 0, turn);
        p = { key, customId: id, body, waiters: [] };
        this.parked.set(key, p);
      }
      const signal = options.signal;
      const onAbort = (): void => {
        const list = this.parked.get(key)?.waiters;
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        reject(new Error('cancelled'));
      };
      // The batch's signal is shared by every call: a settled call takes its listener off it.
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      const waiter: Waiter = {
        resolve: (reply) => {
          settled();
          resolve(reply);
        },
        reject: (e) => {
          settled();
          reject(e);
        },
        options,
        request,
      };
      p.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.kick();
    });
  }

  /** Looks, on the next turn of the event loop, whether the batches can go on. */
  private kick(): void {
    // One look a turn of the event loop, however many calls parked in it.
    if (this.driving || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.drive();
    });
  }

  private parkedCalls(): number {
    let n = 0;
    for (const p of this.parked.values()) n += p.waiters.length;
    return n;
  }

  /** Every item in flight is parked or waiting on the budget, and none is still to start. */
  private allWaiting(): boolean {
    return this.toStart === 0 && this.running > 0 && this.parkedCalls() + this.waitingOnBudget >= this.running;
  }

  private async drive(): Promise<void> {
    if (this.driving || this.stop.signal.aborted) return;
    this.driving = true;
    try {
      for (;;) {
        const { db, runId } = this.opts;
        if (this.allWaiting()) {
          const unsent = [...this.parked.values()].filter((p) => p.waiters.length > 0 && batchedRequest(db, runId, p.key)?.state !== 'sent');
          if (unsent.length > 0) await this.submit(unsent);
        }
        const open = openBatches(db, runId);
        if (open.length === 0) return;
        await pollUntil(() => this.look(), this.stop.signal, this.opts.poll);
      }
    } catch (err) {
      if (this.stop.signal.aborted) return;
      // The batches cannot go on: every parked call fails with why, and the session reports it.
      this.failure = err instanceof Error ? err : new Error(String(err));
      for (const p of this.parked.values()) for (const w of p.waiters) w.reject(this.failure);
      this.parked.clear();
    } finally {
      this.driving = false;
      if (!this.stop.signal.aborted && this.allWaiting() && this.parked.size > 0 && !this.failure) this.kick();
    }
  }

  /** Uploads the parked requests not yet sent, each file recorded before its batch is created. */
  private async submit(unsent: Parked[]): Promise<void> {
    const { db, runId, api } = this.opts;
    const requests: BatchRequest[] = unsent.map((p) => ({ customId: p.customId, body: p.body }));
    const keyOf = new Map(unsent.map((p) => [p.customId, p.key]));
    // An uploaded file whose batch was never created (a crash in between) is created, not uploaded again.
    for (const b of openBatches(db, runId)) if (b.batchId === null) await this.create(b);
    for (const [i, file] of toInputFiles(requests, api.limits).entries()) {
      const fileId = await api.upload(file.text, `run-${runId}-${Date.now()}-${i + 1}.jsonl`);
      const row = recordUpload(db, runId, fileId, file.customIds.map((id) => ({ customId: id, cacheKey: keyOf.get(id)! })));
      await this.create(openBatches(db, runId).find((b) => b.id === row)!);
    }
    this.progress();
  }

  private async create(b: ProviderBatch): Promise<void> {
    const created = await this.opts.api.create(b.inputFileId, { run: String(this.opts.runId) });
    recordBatchCreated(this.opts.db, b.id, created.batchId, created.status);
  }

  /** One look at every open batch; collects the finished ones. True once none is open. */
  private async look(): Promise<boolean> {
    const { db, runId, api } = this.opts;
    for (const b of openBatches(db, runId)) {
      if (b.batchId === null) {
        await this.create(b);
        continue;
      }
      const state = await api.retrieve(b.batchId);
      recordBatchStatus(db, b.id, state);
      if (isFinal(state.status)) this.collect(b.id, await api.results(state, batchRequests(db, b.id).map((r) => r.customId)), state.status === 'cancelled');
    }
    this.progress();
    return openBatches(db, runId).length === 0;
  }

  /** A finished batch's results into the cache and its requests' outcomes, in one transaction; then the parked calls go on. */
  private collect(row: number, results: Map<string, LineResult>, cancelled: boolean): void {
    const { db, runId, pricing } = this.opts;
    const requests = batchRequests(db, row);
    db.transaction(() => {
      const outcomes: { customId: string; state: 'answered' | 'failed' | 'unfinished'; error?: string; uncounted?: boolean }[] = [];
      for (const r of requests) {
        const result = results.get(r.customId) ?? { kind: 'unfinished' as const, error: 'the batch returned no line for this request' };
        if (result.kind === 'answer') {
          const reply = replyOf(result.completion, r.customId);
          putCachedAnswer(db, {
            key: r.cacheKey,
            reply: { content: reply.content, toolCalls: reply.toolCalls, finishReason: reply.finishReason, model: reply.model },
            promptTokens: reply.promptTokens,
            completionTokens: reply.completionTokens,
            costUsd: costOf(reply, pricing),
            source: 'batch',
            runId,
          });
          outcomes.push({ customId: r.customId, state: 'answered' });
        } else {
          // A request its cancelled batch never ran keeps its one resend for a window that runs out.
          outcomes.push({ customId: r.customId, state: result.kind, error: result.error, uncounted: cancelled && result.kind === 'unfinished' });
        }
      }
      recordOutcomes(db, row, outcomes);
    })();
    for (const r of requests) {
      const p = this.parked.get(r.cacheKey);
      if (!p) continue;
      const now = batchedRequest(db, runId, r.cacheKey);
      if (now?.state === 'unfinished' && now.sends < MAX_SENDS) continue; // goes out in the next batch
      this.parked.delete(r.cacheKey);
      for (const w of p.waiters) {
        if (now?.state === 'answered') {
          w.resolve(this.replay(r.cacheKey, w));
        } else if (now?.state === 'unfinished') w.reject(unfinishedTwice(now.error, now.sends));
        else w.reject(new LlmCallError(now?.error ?? 'the batch failed this request', 0, now?.sends ?? 1, false));
      }
    }
  }

  /** The cached answer for a parked call, its cost reported to the first call that gets it. */
  private replay(key: string, w: Waiter): ChatReply {
    const hit = getCachedAnswer(this.opts.db, key)!;
    const reply: ChatReply = { ...hit.reply, promptTokens: hit.promptTokens, completionTokens: hit.completionTokens };
    if (markCounted(this.opts.db, this.opts.runId, key)) report(w.options, reply, 1);
    return reply;
  }

  private progress(): void {
    const batches = openBatches(this.opts.db, this.opts.runId).map((b) => ({ batchId: b.batchId, status: b.status, total: b.total, completed: b.completed, failed: b.failed }));
    this.opts.onProgress?.({ batches, parked: this.parkedCalls() });
  }
}

function unfinishedTwice(error: string | null, sends: number): LlmCallError {
  return new LlmCallError(`no batch ran this request in ${sends} tries (${error ?? 'unfinished'})`, 0, sends, false);
}

/** Tells the engine about an answer as it would about a live call's attempt. */
function report(options: CallOptions, reply: ChatReply, attempt: number): void {
  options.hooks?.afterAttempt?.({ attempt, status: 200, ok: true, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, latencyMs: 0 });
}

function replyOf(c: Completion, id: string): ChatReply {
  const choice = c.choices?.[0];
  if (!choice) throw new LlmCallError(`the batch answered ${id} without any choice`, 200, 1, false);
  const toolCalls = (choice.message.tool_calls ?? [])
    .filter((t) => t.type === 'function' && t.function)
    .map((t) => ({ id: t.id, name: t.function!.name, arguments: t.function!.arguments ?? '' }));
  return {
    content: choice.message.content ?? null,
    toolCalls,
    finishReason: choice.finish_reason ?? null,
    promptTokens: c.usage?.prompt_tokens ?? 0,
    completionTokens: c.usage?.completion_tokens ?? 0,
    model: c.model ?? '',
  };
}
