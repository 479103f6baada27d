// The response cache's shapes as the fronts see them (its size, its entries).
import { z } from 'zod';

/** The response cache of the database: answers kept under their request's key, reused by any run. */
export const CacheSizeSchema = z.object({
  entries: z.number().int(),
  /** Bytes of the kept answers. */
  bytes: z.number().int(),
  /** What the kept answers cost when they were paid for. */
  costUsd: z.number(),
  oldestAt: z.string().nullable(),
  newestAt: z.string().nullable(),
});
export type CacheSize = z.infer<typeof CacheSizeSchema>;

export const CacheEntrySchema = z.object({
  key: z.string(),
  model: z.string(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costUsd: z.number(),
  source: z.enum(['live', 'batch']),
  runId: z.string().nullable(),
  bytes: z.number().int(),
  createdAt: z.string(),
});
export type CacheEntry = z.infer<typeof CacheEntrySchema>;
