// The results grid's shapes: a reviewer's marks, per-column filters, and the distributions of a run's fields.
import { z } from 'zod';
import { ItemStatusSchema } from './domain.ts';

/** A reviewer's mark on a row. */
export const ItemRatingSchema = z.enum(['up', 'down']);
export type ItemRating = z.infer<typeof ItemRatingSchema>;

/** Which of an item's values a filter reads: an input column, an output field, or a measure of the item. */
const FilterColumn = z.strictObject({
  source: z.enum(['input', 'output', 'meta']),
  /** The column's name; for 'meta': 'costUsd', 'latencyMs', 'turns', 'promptTokens', 'completionTokens' or 'attempts'. */
  name: z.string().min(1).max(500),
});

/** One per-column filter of the results grid; a query's filters all hold at once. */
export const ItemFilterSchema = z.discriminatedUnion('kind', [
  /** The value's text contains this (case-insensitive for ASCII, like the search). */
  z.strictObject({ kind: z.literal('text'), column: FilterColumn, contains: z.string().min(1).max(1000) }),
  /** A numeric value within bounds; a value that is not a number never matches. */
  z.strictObject({
    kind: z.literal('range'),
    column: FilterColumn,
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
  }),
  /** The item's status is one of these. */
  z.strictObject({ kind: z.literal('status'), in: z.array(ItemStatusSchema).min(1).max(5) }),
  /** Rated up, rated down, not rated, or holding a note. */
  z.strictObject({ kind: z.literal('mark'), is: z.enum(['up', 'down', 'unrated', 'noted']) }),
  /** Every call of the item was answered from the response cache (as the export's _cached says). */
  z.strictObject({ kind: z.literal('cached') }),
]);
export type ItemFilter = z.infer<typeof ItemFilterSchema>;

/** How one field's values are spread: numbers in bins, a few distinct values (an enum) counted. */
export const FieldDistributionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('numeric'),
    field: z.string(),
    count: z.number().int(),
    min: z.number(),
    max: z.number(),
    /** Equal-width bins from min to max; the last bin holds max. */
    bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
  }),
  z.object({
    kind: z.literal('enum'),
    field: z.string(),
    count: z.number().int(),
    values: z.array(z.object({ value: z.string(), count: z.number().int() })),
  }),
]);
export type FieldDistribution = z.infer<typeof FieldDistributionSchema>;

export const ItemDistributionsSchema = z.object({
  status: z.object({ done: z.number().int(), failed: z.number().int(), pending: z.number().int(), running: z.number().int(), skipped: z.number().int() }),
  /** The output fields whose values are numbers or a few distinct strings; free text has none. */
  fields: z.array(FieldDistributionSchema),
});
export type ItemDistributions = z.infer<typeof ItemDistributionsSchema>;
