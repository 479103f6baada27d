// The contract error a call rejects with, for tests that check what a handler refused and why.
import { CallError } from '../errors.ts';

/** Awaits p, which must reject with a CallError; returns it. */
export async function callError(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CallError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}
