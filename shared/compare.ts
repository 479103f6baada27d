// Runs side by side: the shapes of a comparison of two or more runs over the same rows (matched by
// position), its pages and the requests that ask for them.
import { z } from 'zod';
import { ItemStatusSchema } from './domain.ts';

/** The most runs one comparison holds: each adds its output columns to every row. */
export const MAX_COMPARED_RUNS = 8;

const RunIds = z.array(z.string().min(1).max(200)).min(2, 'compare needs two runs or more').max(MAX_COMPARED_RUNS);

/** A run as the comparison shows it: what it is and its totals. */
export const ComparedRunSchema = z.object({
  runId: z.string(),
  name: z.string(),
  datasetName: z.string(),
  model: z.string(),
  outputColumns: z.array(z.string()),
  totals: z.object({
    items: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    costUsd: z.number(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    /** Over the items that finished an attempt; null when none did. */
    medianLatencyMs: z.number().nullable(),
  }),
});
export type ComparedRun = z.infer<typeof ComparedRunSchema>;

/** One part of the agents that is not the same in every run, with each run's value in run order. */
export const AgentDifferenceSchema = z.object({
  field: z.enum(['model', 'systemMessage', 'prompt', 'fields']),
  values: z.array(z.string()),
});
export type AgentDifference = z.infer<typeof AgentDifferenceSchema>;

export const ComparisonSchema = z.object({
  runs: z.array(ComparedRunSchema),
  inputColumns: z.array(z.string()),
  /** The output columns a row's outputs are compared on: those every run has (all of them when none is shared). */
  comparedColumns: z.array(z.string()),
  rows: z.number().int(),
  /** Rows whose outputs are not the same in every run. */
  differing: z.number().int(),
  agentDifferences: z.array(AgentDifferenceSchema),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

export const ComparedRowSchema = z.object({
  index: z.number().int(),
  input: z.array(z.string()),
  /** One per run, in run order. */
  cells: z.array(z.object({ status: ItemStatusSchema, output: z.record(z.string(), z.unknown()).nullable(), error: z.string().nullable() })),
  differs: z.boolean(),
});
export type ComparedRow = z.infer<typeof ComparedRowSchema>;

export const CompareRequestSchema = z.strictObject({ runIds: RunIds });

export const ComparePageRequestSchema = z.strictObject({
  runIds: RunIds,
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive().max(1000),
  /** Only the rows whose outputs differ. */
  onlyDiffering: z.boolean().optional(),
});
export type ComparePageRequest = z.infer<typeof ComparePageRequestSchema>;

export const ComparePageSchema = z.object({ total: z.number().int(), rows: z.array(ComparedRowSchema) });
export type ComparePage = z.infer<typeof ComparePageSchema>;
