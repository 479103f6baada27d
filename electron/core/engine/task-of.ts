// An item's task from the batch's task generator, and the words the engine's errors use for what it got.
import type { TaskGen } from './batch-types.ts';
import { Task } from './task.ts';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Item i's task: genTask's Task, or the Task its Promise resolves to; anything else is a TypeError. */
export async function taskOf<R>(genTask: TaskGen<R>, index: number): Promise<Task<R>> {
  const made: unknown = genTask(index);
  const task: unknown = made instanceof Promise ? await made : made;
  if (!(task instanceof Task)) throw new TypeError(`the task generator returned ${describe(task)} for item ${index}, not a Task`);
  return task as Task<R>;
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
