// The one typed contract between every front (Electron preload, the served browser bridge) and the core.
// Every call has a request and a response schema; every event a payload schema. The main side parses
// each request with its schema before any handler runs; the renderer only ever sees these types.
import { z } from 'zod';
import {
  AgentSpecSchema,
  HttpUrlSchema,
  ItemStatusSchema,
  RunOptionsSchema,
  RunStatusSchema,
  TranscriptMessageSchema,
} from './domain.ts';
import { CompareRequestSchema, ComparePageRequestSchema, ComparePageSchema, ComparisonSchema } from './compare.ts';
import { ItemDistributionsSchema, ItemFilterSchema, ItemRatingSchema } from './grid.ts';
import { CacheEntrySchema, CacheSizeSchema } from './cache.ts';
import { EarlierAttemptSchema, FailureCountsSchema, MAX_ROWS_SPEC, RetryKindSchema } from './attempts.ts';

export * from './grid.ts';
export * from './cache.ts';

const Id = z.string().min(1).max(200);
/** A file path: no file system takes a NUL in a name. */
const FilePath = z.string().max(4096).refine((p) => !p.includes('\u0000'), 'a file name cannot hold a NUL character');
const RunId = Id;

export const EndpointSchema = z.strictObject({
  /** 'simulated' is the built-in offline endpoint; 'openai' uses api.openai.com; 'custom' any compatible base URL. */
  kind: z.enum(['simulated', 'openai', 'custom']),
  baseURL: HttpUrlSchema.optional(),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const DatasetSummarySchema = z.object({
  id: Id,
  name: z.string(),
  columns: z.array(z.string()),
  rowCount: z.number().int().nonnegative(),
  delimiter: z.string(),
  encoding: z.string(),
  notes: z.array(z.string()),
  createdAt: z.string(),
  /** A workbook's import answers the sheet it read and every sheet it has, in tab order. */
  sheet: z.string().optional(),
  sheets: z.array(z.string()).optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

export const RunTotalsSchema = z.object({
  items: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costUsd: z.number(),
  /** Of the prompt tokens, those the provider had cached (billed at its cached-input rate). */
  cachedTokens: z.number().int().optional(),
  /** What the cached tokens saved against the uncached input price, USD (absent: the model has no price). */
  cachedSavingUsd: z.number().optional(),
  /** Calls answered from the response cache: nothing sent, nothing paid (absent: none). */
  cachedCalls: z.number().int().optional(),
  /** What those calls' answers cost when they were paid for (absent: nothing). */
  savedUsd: z.number().optional(),
});
export type RunTotals = z.infer<typeof RunTotalsSchema>;

export const RunSummarySchema = z.object({
  runId: RunId,
  name: z.string(),
  datasetId: Id,
  datasetName: z.string(),
  status: RunStatusSchema,
  error: z.string().nullable(),
  agent: AgentSpecSchema,
  options: RunOptionsSchema,
  /** The endpoint the run was started with (kind and base URL, never a key); null when unknown. */
  endpoint: EndpointSchema.nullable(),
  inputColumns: z.array(z.string()),
  outputColumns: z.array(z.string()),
  totals: RunTotalsSchema,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;


export const ItemRowSchema = z.object({
  index: z.number().int(),
  input: z.array(z.string()),
  output: z.record(z.string(), z.unknown()).nullable(),
  status: ItemStatusSchema,
  error: z.string().nullable(),
  turns: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costUsd: z.number(),
  latencyMs: z.number().nullable(),
  /** Of the prompt tokens, those the provider had cached. */
  cachedTokens: z.number().int().optional(),
  /** The reviewer's mark: 'up', 'down' or none, and a note (absent where a front does not read marks). */
  rating: ItemRatingSchema.nullable().optional(),
  note: z.string().nullable().optional(),
});
export type ItemRow = z.infer<typeof ItemRowSchema>;

export const ItemDetailSchema = ItemRowSchema.extend({
  prompt: z.string(),
  attempts: z.number().int(),
  transcript: z.array(TranscriptMessageSchema),
  /** Attempts set aside when the row was run again or retried, oldest first. */
  earlierAttempts: z.array(EarlierAttemptSchema).optional(),
});
export type ItemDetail = z.infer<typeof ItemDetailSchema>;

export const ItemsQuerySchema = z.strictObject({
  runId: RunId,
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive().max(5000),
  status: ItemStatusSchema.optional(),
  search: z.string().max(1000).optional(),
  sort: z
    .strictObject({
      /** 'index', 'status', 'latencyMs', 'costUsd', 'turns', or an input/output column name. */
      column: z.string().max(500),
      desc: z.boolean(),
    })
    .optional(),
  filters: z.array(ItemFilterSchema).max(50).optional(),
});
export type ItemsQuery = z.infer<typeof ItemsQuerySchema>;

export const ExportFormatSchema = z.enum(['xlsx', 'csv', 'jsonl']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

/** What an import does with a row whose field count differs from the header's: refuse the file, pad or cut the row, or skip it. */
export const RaggedPolicySchema = z.enum(['error', 'pad', 'skip']);
export type RaggedPolicy = z.infer<typeof RaggedPolicySchema>;

/** Where a CSV comes from: a path (Electron, CLI) or an upload to the served bridge. */
export const CsvSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('path'), path: FilePath.min(1) }),
  z.strictObject({ kind: z.literal('upload'), uploadId: Id }),
]);
export type CsvSource = z.infer<typeof CsvSourceSchema>;


export const EstimateSchema = z.object({
  items: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costUsd: z.number().nullable(), // null when the model's price is unknown
  tokenizer: z.string(),
  /** Of the prompt tokens, those expected cached: the static prefix of every row after the first, when long enough. */
  cachedTokens: z.number().int().optional(),
  /** Some prompts were too long to count whole and were counted from samples. */
  sampled: z.boolean().optional(),
  /** Rows whose prompt and output cap exceed the model's context window: the run fails them unsent. */
  tooLong: z
    .object({
      count: z.number().int(),
      /** The first of them, as 1-based row numbers. */
      rows: z.array(z.number().int()),
      contextWindow: z.number().int(),
      /** The longest prompt among them, tokens. */
      longest: z.number().int(),
    })
    .nullable()
    .optional(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

/**
 * What stands between a run's options and its budget, found before it starts.
 * 'unpriced-model': a cost budget for a model with no price (run:start refuses it);
 * 'estimate-over-budget': the estimate exceeds maxCost or maxTokens (the run may stop part-way);
 * 'budget-under-one-call': the budget is smaller than one call's worst case (prompt plus output cap), so no row would run.
 */
export const BudgetProblemSchema = z.object({
  kind: z.enum(['unpriced-model', 'estimate-over-budget', 'budget-under-one-call']),
  message: z.string(),
  /** True when run:start refuses these options. */
  blocksStart: z.boolean(),
  /** The run option it is about. */
  field: z.enum(['maxCost', 'maxTokens']),
});
export type BudgetProblem = z.infer<typeof BudgetProblemSchema>;

/** run:estimate's answer: the estimate and what it says about the budget. */
export const RunEstimateSchema = EstimateSchema.extend({
  budgetProblems: z.array(BudgetProblemSchema),
});
export type RunEstimate = z.infer<typeof RunEstimateSchema>;

const StartRunRequest = z.strictObject({
  datasetId: Id,
  agent: AgentSpecSchema,
  options: RunOptionsSchema,
  endpoint: EndpointSchema,
  /** Run only the first N rows (the trial run). */
  limit: z.number().int().positive().optional(),
});

const Ok = z.object({ ok: z.literal(true) });
const RunRef = z.strictObject({ runId: RunId });


/** Every call: its request and its response. */
export const calls = {
  'app:info': {
    req: z.strictObject({}),
    res: z.object({
      version: z.string(),
      front: z.enum(['electron', 'served']),
      dataDir: z.string(),
      /** Which endpoints have a stored key; the key itself never leaves the main side. */
      keys: z.object({ openai: z.boolean(), custom: z.record(z.string(), z.boolean()) }),
    }),
  },
  'key:set': {
    req: z.strictObject({ endpoint: EndpointSchema, key: z.string().min(1).max(4096) }),
    res: Ok,
  },
  'key:clear': { req: z.strictObject({ endpoint: EndpointSchema }), res: Ok },
  'dataset:import': {
    req: z.strictObject({
      source: CsvSourceSchema,
      name: z.string().max(500).optional(),
      ragged: RaggedPolicySchema.optional(),
      /** A workbook's sheet by name; default its first. */
      sheet: z.string().min(1).max(500).optional(),
    }),
    res: DatasetSummarySchema,
  },
  'dataset:rows': {
    req: z.strictObject({
      datasetId: Id,
      offset: z.number().int().nonnegative(),
      limit: z.number().int().positive().max(1000),
    }),
    res: z.object({ rows: z.array(z.array(z.string())) }),
  },
  'dataset:samples': {
    req: z.strictObject({}),
    res: z.array(z.object({ id: z.string(), title: z.string(), description: z.string() })),
  },
  /** Imports a bundled sample CSV and returns it with its agent. */
  'dataset:loadSample': {
    req: z.strictObject({ sampleId: z.string().max(200) }),
    res: z.object({ dataset: DatasetSummarySchema, agent: AgentSpecSchema }),
  },
  'run:estimate': { req: StartRunRequest, res: RunEstimateSchema },
  'run:start': { req: StartRunRequest, res: RunRef },
  'run:pause': { req: RunRef, res: Ok },
  /** Lets a paused run go on (run:continue starts a stopped one again). */
  'run:unpause': { req: RunRef, res: Ok },
  'run:cancel': { req: RunRef, res: Ok },
  /** Continues an interrupted, cancelled or stopped run, optionally with raised budgets. */
  'run:continue': {
    req: z.strictObject({
      runId: RunId,
      endpoint: EndpointSchema.optional(),
      maxCost: z.number().positive().optional(),
      maxTokens: z.number().int().positive().optional(),
    }),
    res: Ok,
  },
  'run:retryFailed': {
    /** only: retry the failures of one kind (infrastructure, or answers that failed validation); absent: all. */
    req: z.strictObject({ runId: RunId, endpoint: EndpointSchema.optional(), only: RetryKindSchema.optional() }),
    res: Ok,
  },
  'run:delete': { req: RunRef, res: Ok },
  'run:get': { req: RunRef, res: RunSummarySchema },
  'runs:list': { req: z.strictObject({}), res: z.array(RunSummarySchema) },
  'items:page': {
    req: ItemsQuerySchema,
    res: z.object({ total: z.number().int(), rows: z.array(ItemRowSchema) }),
  },
  'item:detail': {
    req: z.strictObject({ runId: RunId, index: z.number().int().nonnegative() }),
    res: ItemDetailSchema,
  },
  /** Electron asks where to save with a native dialog; the served bridge answers a download URL. */
  'run:export': {
    req: z.strictObject({ runId: RunId, format: ExportFormatSchema, path: FilePath.optional() }),
    res: z.object({ rows: z.number().int(), path: z.string().optional(), downloadUrl: z.string().optional() }),
  },
  /** Marks a row (or clears its mark with nulls). */
  'item:mark': {
    req: z.strictObject({ runId: RunId, index: z.number().int().nonnegative(), rating: ItemRatingSchema.nullable(), note: z.string().max(10_000).nullable() }),
    res: Ok,
  },
  /** The row indexes a query matches, in its order: what "select all the filter's rows" selects. */
  'items:indexes': {
    req: ItemsQuerySchema.omit({ offset: true, limit: true }),
    res: z.object({ indexes: z.array(z.number().int()) }),
  },
  'items:distributions': { req: RunRef, res: ItemDistributionsSchema },
  /** Runs side by side over the same rows (see shared/compare.ts). */
  'run:rename': { req: z.strictObject({ runId: RunId, name: z.string().max(500) }), res: RunSummarySchema },
  'compare:summary': { req: CompareRequestSchema, res: ComparisonSchema },
  'compare:page': { req: ComparePageRequestSchema, res: ComparePageSchema },
  /** Like run:export: Electron saves to `path`, the served bridge answers a download URL. */
  'compare:export': {
    req: CompareRequestSchema.extend({ format: ExportFormatSchema, path: FilePath.optional() }),
    res: z.object({ rows: z.number().int(), path: z.string().optional(), downloadUrl: z.string().optional() }),
  },

  /**
   * "Add answers to my spreadsheet": the run's output columns appended to the data sheet of the user's
   * workbook (rows matched by position), saved as a new file: beside it in Electron, a download when served.
   */
  'run:exportInto': {
    req: z.strictObject({ runId: RunId, source: CsvSourceSchema, sheet: z.string().min(1).max(500).optional() }),
    res: z.object({ rows: z.number().int(), path: z.string().optional(), downloadUrl: z.string().optional() }),
  },
  /** Whether an endpoint answers with the key stored for it (its model list), said in a sentence. */
  'endpoint:test': {
    req: z.strictObject({ endpoint: EndpointSchema }),
    res: z.object({ ok: z.boolean(), message: z.string() }),
  },
  'cache:size': { req: z.strictObject({}), res: CacheSizeSchema },
  'cache:entries': {
    req: z.strictObject({ offset: z.number().int().nonnegative().default(0), limit: z.number().int().positive().max(500) }),
    res: z.array(CacheEntrySchema),
  },
  /** Forgets every kept answer, or only those older than olderThanDays. */
  'cache:clear': {
    req: z.strictObject({ olderThanDays: z.number().positive().optional() }),
    res: z.object({ cleared: z.number().int() }),
  },

  // Runs that build on each other: a new run from an earlier one's rows, rows run again, failures by kind.
  /** A dataset's summary, for a new run over an earlier run's rows. */
  'dataset:get': { req: z.strictObject({ datasetId: Id }), res: DatasetSummarySchema },
  /**
   * Runs rows again in the same run, each earlier attempt kept: `rows` (item indexes, from 0) or the rows
   * a results filter shows (`filter`, as items:page takes it). Unfinished items of the run go too.
   */
  'run:rerunRows': {
    req: z
      .strictObject({
        runId: RunId,
        rows: z.array(z.number().int().nonnegative()).min(1).max(MAX_ROWS_SPEC).optional(),
        filter: ItemsQuerySchema.omit({ runId: true, offset: true, limit: true, sort: true }).optional(),
        endpoint: EndpointSchema.optional(),
        /** Send the rows' requests even where the response cache holds an answer. */
        noCache: z.boolean().optional(),
      })
      .refine((r) => (r.rows === undefined) !== (r.filter === undefined), { message: 'give rows or filter, not both', path: ['rows'] }),
    res: Ok,
  },
  /** How many of a run's failed items failed of each kind. */
  'run:failureCounts': { req: RunRef, res: FailureCountsSchema },
} as const;

export type CallName = keyof typeof calls;
export type CallRequest<K extends CallName> = z.input<(typeof calls)[K]['req']>;
export type CallResponse<K extends CallName> = z.infer<(typeof calls)[K]['res']>;

export const RunProgressSchema = z.object({
  runId: RunId,
  status: RunStatusSchema,
  totals: RunTotalsSchema,
  concurrency: z.number().int(),
  itemsPerMinute: z.number(),
  etaMs: z.number().nullable(),
  /** Mean latency of the items finished since the last event, for the live chart. */
  latencyMs: z.number().nullable(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

/** Every event the core pushes. Events are hints: the store is the truth, so one may be dropped. */
export const events = {
  'run:progress': RunProgressSchema,
  /** Row indexes that changed since the last event, so an open table refreshes just those. */
  'run:items': z.object({ runId: RunId, indexes: z.array(z.number().int()) }),
  'run:finished': z.object({ runId: RunId, status: RunStatusSchema, error: z.string().nullable() }),
  /** A command of the app's native menu (Electron only): a CSV chosen in the open dialog, or export the run in view. */
  'app:menu': z.discriminatedUnion('command', [
    z.object({ command: z.literal('open-csv'), path: z.string(), name: z.string() }),
    z.object({ command: z.literal('export') }),
  ]),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<K extends EventName> = z.infer<(typeof events)[K]>;

/**
 * What a front may act on beyond an error's code, so that none decides by reading the message.
 * 'ragged-rows': the CSV's rows differ in length; importing it again with `ragged: 'pad' | 'skip'` works.
 */
export const ErrorReasonSchema = z.enum(['ragged-rows']);
export type ErrorReason = z.infer<typeof ErrorReasonSchema>;

/** The error every call rejects with, across every bridge. */
export const ContractErrorSchema = z.object({
  code: z.enum(['bad-request', 'not-found', 'bad-input', 'conflict', 'internal', 'unauthorized']),
  message: z.string(),
  /** For bad-request: the paths of the fields that failed, e.g. "agent.model". */
  fields: z.array(z.string()).optional(),
  reason: ErrorReasonSchema.optional(),
});
export type ContractError = z.infer<typeof ContractErrorSchema>;

/** What window.rowrunner exposes in both fronts. */
export interface RowrunnerApi {
  invoke<K extends CallName>(name: K, request: CallRequest<K>): Promise<CallResponse<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}
