// The batch engine's public API.
export { ChatAgent } from './agent.ts';
export type { AgentCallContext, AgentCallReport, AgentReply, ChatAgentConfig, ChatAgentOptions, ToolCallInfo, ToolHandler, ToolHandlerResult } from './agent.ts';
export { Task, TurnLimitError } from './task.ts';
export type { ResultToolCall, TaskConfig, TaskResult, TaskRunOptions } from './task.ts';
export { defineTool, done, isDone, parseToolArguments, validateJsonSchema } from './tools.ts';
export type { Done, Tool, ToolArgs } from './tools.ts';
export { BudgetExceededError, CancelledError, SkippedError, runBatchEngine, runBatchTaskGen, runBatchTasks } from './batch.ts';
export type { BatchOptions, BatchOutcome, BatchResults, EngineEvent, EngineOptions, FinishStatus, HandleExceptions, Slot } from './batch.ts';
export { AdaptiveWindow, BatchController, PauseGate } from './scheduler.ts';
export { RateGate, TokenBucket } from './rate.ts';
export type { RateGateOptions, Ticket } from './rate.ts';
export { LlmCallError, LlmClient, backoffMs, parseDurationMs, parseRateLimitHeaders, parseRetryAfter } from './llm.ts';
export type { CallHooks, CallOptions, CallReport, ChatMessageParam, ChatReply, ChatRequest, ChatToolCall, LlmClientOptions, RateLimitInfo } from './llm.ts';
export { BUILT_IN_PRICES, costOf, lookupPrice } from './pricing.ts';
export type { PriceLookup } from './pricing.ts';
export { mapSpecOutput, startSpecBatch } from './spec-batch.ts';
export type { SpecBatchHandle, SpecBatchItem, SpecBatchParams } from './spec-batch.ts';
