// runBatchTasks / runBatchTaskGen: one task clone per item, a sliding window of at most batchSize items
// in flight, results in input order, exceptions as a policy of the batch, and a budget, a cancel or the
// first result as a stop that returns what finished. The window and the items' runs are batch-engine.ts's.
import { AgentClosedError } from './agent.ts';
import { runBatchEngine } from './batch-engine.ts';
import { asError, describe } from './task-of.ts';
import { validateBatchOptions } from './batch-options.ts';
import { BudgetExceededError, SkippedError, type BatchOptions, type BatchOutcome, type BatchResults, type BatchStop, type HandleExceptions, type TaskGen } from './batch-types.ts';
import { budgetProblem } from './budget.ts';
import { Task } from './task.ts';

export * from './batch-types.ts';
export { runBatchEngine };

/**
 * The outputs in input order, from the engine's slots. A budget, a cancel or the first result is a stop,
 * not a failure: what finished is kept and every item without a result gets outputMap(null).
 */
async function resultsOf<R, O, H extends HandleExceptions>(
  outcome: BatchOutcome<O>,
  policy: HandleExceptions,
  mapOutput: (result: R | null, index: number) => O | Promise<O>,
): Promise<BatchResults<O, H>> {
  if (outcome.listenerError) throw outcome.listenerError;
  if (outcome.status === 'stopped-error') throw outcome.error ?? new Error('the batch stopped on an error');
  const underPolicy = (error: Error): Error | null => {
    if (policy === 'raise') throw error;
    return policy === 'return-none' ? null : error;
  };
  const results: Array<O | Error | null> = new Array(outcome.slots.length);
  for (const [index, slot] of outcome.slots.entries()) {
    if (slot.kind === 'done') results[index] = slot.output;
    else if (slot.kind === 'failed' && !slot.interrupted) results[index] = underPolicy(slot.error);
    else if (slot.kind === 'skipped' && slot.reason === 'error') results[index] = underPolicy(new SkippedError(slot.reason));
    else {
      try {
        results[index] = await mapOutput(null, index);
      } catch (e) {
        results[index] = underPolicy(asError(e));
      }
    }
  }
  if (outcome.stop && outcome.stop !== 'error') {
    const stopped: BatchStop = outcome.error ? { reason: outcome.stop, error: outcome.error } : { reason: outcome.stop };
    Object.defineProperty(results, 'stopped', { value: stopped, enumerable: false });
  }
  return results as BatchResults<O, H>;
}

/** Runs `genTask(i)` on every item; resolves to the outputs in input order (see BatchOptions). */
export async function runBatchTaskGen<T, R, O = R | null, H extends HandleExceptions = 'raise'>(
  genTask: TaskGen<R>,
  items: readonly T[],
  options: BatchOptions<T, R, O, H> = {},
): Promise<BatchResults<O, H>> {
  validateBatchOptions(options);
  if (typeof genTask !== 'function') throw new TypeError(`the task generator must be a function, got ${describe(genTask)}`);
  const policy: HandleExceptions = options.handleExceptions ?? 'raise';
  const { handleExceptions: _policy, outputMap, ...rest } = options;
  const mapOutput = outputMap ?? ((r: R | null) => r as unknown as O);
  const outcome = await runBatchEngine<T, R, O>(genTask, items, { ...rest, outputMap: mapOutput, stopOnError: policy === 'raise' });
  return resultsOf<R, O, H>(outcome, policy, mapOutput);
}

/** Runs a clone of `task` (`task.clone(i)`) on every item; resolves to the outputs in input order. */
export async function runBatchTasks<T, R, O = R | null, H extends HandleExceptions = 'raise'>(
  task: Task<R>,
  items: readonly T[],
  options: BatchOptions<T, R, O, H> = {},
): Promise<BatchResults<O, H>> {
  if (!(task instanceof Task)) throw new TypeError(`runBatchTasks needs a Task, got ${describe(task)}`);
  // A closed agent's client refuses every call: fail now rather than once per item.
  if (task.agent.closed) throw new AgentClosedError(task.agent.name);
  const problem = budgetProblem(task.agent.config, options);
  if (problem) throw new BudgetExceededError(problem);
  return runBatchTaskGen<T, R, O, H>((i) => task.clone(i), items, options);
}
