// Checks a batch's options at the call, before any item starts: a library caller's options come
// from plain JavaScript as often as from typed code, and a NaN batch size would otherwise hang.
import { BatchController } from './scheduler.ts';

const POLICIES = ['raise', 'return-none', 'return-exception'];

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

function positiveInteger(options: Record<string, unknown>, name: string): void {
  const v = options[name];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${show(v)}`);
}

function positiveFinite(options: Record<string, unknown>, name: string): void {
  const v = options[name];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive finite number, got ${show(v)}`);
}

function optionalType(options: Record<string, unknown>, name: string, type: 'boolean' | 'function'): void {
  const v = options[name];
  if (v !== undefined && typeof v !== type) throw new TypeError(`${name} must be a ${type}, got ${show(v)}`);
}

/** Throws a RangeError (a bad value) or a TypeError (a bad kind) naming the first bad option. */
export function validateBatchOptions(options: object): void {
  const o = options as Record<string, unknown>;
  positiveInteger(o, 'batchSize');
  if (o.turns !== undefined && o.turns !== -1) {
    if (typeof o.turns !== 'number' || !Number.isInteger(o.turns) || o.turns <= 0) {
      throw new RangeError(`turns must be a positive integer or -1 (no limit), got ${show(o.turns)}`);
    }
  }
  if (o.handleExceptions !== undefined && !POLICIES.includes(o.handleExceptions as string)) {
    throw new RangeError(`handleExceptions must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${show(o.handleExceptions)}`);
  }
  for (const name of ['maxCost', 'maxTokens', 'rpm', 'tpm']) positiveFinite(o, name);
  const every = o.progressIntervalMs;
  if (every !== undefined && (typeof every !== 'number' || !Number.isFinite(every) || every < 0)) {
    throw new RangeError(`progressIntervalMs must be a finite number >= 0, got ${show(every)}`);
  }
  for (const name of ['sequential', 'stopOnFirstResult', 'stopOnError', 'keepOutputs']) optionalType(o, name, 'boolean');
  for (const name of ['inputMap', 'outputMap', 'onEvent']) optionalType(o, name, 'function');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${show(o.signal)}`);
  const cache = o.cache as { get?: unknown; put?: unknown } | undefined;
  if (cache !== undefined && (typeof cache !== 'object' || cache === null || typeof cache.get !== 'function' || typeof cache.put !== 'function')) {
    throw new TypeError(`cache must be an object with get and put (a MemoryResponseCache, say), got ${show(o.cache)}`);
  }
  if (o.control !== undefined && !(o.control instanceof BatchController)) throw new TypeError(`control must be a BatchController, got ${show(o.control)}`);
}
