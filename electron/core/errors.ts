// The one error every call rejects with, whichever front carries it: a ContractError with a code, a
// message safe to show, and for a malformed request the paths of the fields that failed.
import type { z } from 'zod';
import type { ContractError, ErrorReason } from '../../shared/contract.ts';

export type ErrorCode = ContractError['code'];

export class CallError extends Error {
  readonly code: ErrorCode;
  readonly fields?: string[];
  readonly reason?: ErrorReason;
  constructor(code: ErrorCode, message: string, fields?: string[], reason?: ErrorReason) {
    super(message);
    this.name = 'CallError';
    this.code = code;
    if (fields && fields.length) this.fields = fields;
    if (reason) this.reason = reason;
  }
  toContractError(): ContractError {
    const error: ContractError = this.fields ? { code: this.code, message: this.message, fields: this.fields } : { code: this.code, message: this.message };
    return this.reason ? { ...error, reason: this.reason } : error;
  }
}

export function notFound(message: string): CallError {
  return new CallError('not-found', message);
}

export function badInput(message: string): CallError {
  return new CallError('bad-input', message);
}

export function conflict(message: string): CallError {
  return new CallError('conflict', message);
}

/** A zod failure as a bad-request error naming each failing field ("agent.model", "options.batchSize"). */
export function badRequest(call: string, error: z.ZodError): CallError {
  const fields: string[] = [];
  const details: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '(request)';
    if (!fields.includes(path)) fields.push(path);
    if (details.length < 5) details.push(`${path}: ${issue.message}`);
  }
  return new CallError('bad-request', `Malformed ${call} request: ${details.join('; ')}`, fields);
}

/** Whatever was thrown, as a ContractError; unknown failures get a generic message (details go to the log). */
export function toContractError(e: unknown): ContractError {
  if (e instanceof CallError) return e.toContractError();
  return { code: 'internal', message: 'Rowrunner hit an internal error; the details are in its log.' };
}
