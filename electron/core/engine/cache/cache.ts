// The response cache as the engine sees it: a place that answers a request's key with a kept answer.
// The engine is store-free: a library caller passes a MemoryResponseCache (or its own); a run passes
// one backed by its database (runs/store-cache.ts). What goes in is decided by the caller of put: an
// answer is put only once its item's turn accepted it (see ChatAgent.keepLastAnswer).
import type { ChatReply } from '../llm.ts';

/** A kept answer: the reply as the transport gave it (with its usage) and what it cost then. */
export interface CachedAnswer {
  reply: ChatReply;
  /** What the answer cost when it was paid for: what a later hit saves. */
  costUsd: number;
}

export interface ResponseCache {
  /** The answer kept under a key, if any. */
  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  /** Keeps an answer; a key already kept keeps its first answer. */
  put(key: string, answer: CachedAnswer): void;
}

/** A cache in memory, for library callers: lives as long as the object, shared by the batches given it. */
export class MemoryResponseCache implements ResponseCache {
  private readonly answers = new Map<string, CachedAnswer>();

  get(key: string): CachedAnswer | undefined {
    return this.answers.get(key);
  }

  put(key: string, answer: CachedAnswer): void {
    if (!this.answers.has(key)) this.answers.set(key, structuredClone(answer));
  }

  get size(): number {
    return this.answers.size;
  }

  clear(): void {
    this.answers.clear();
  }
}

/** What a call answered from the cache would have cost: recorded beside its zero tokens and cost. */
export interface FromCache {
  promptTokens: number;
  completionTokens: number;
  savedUsd: number;
}
