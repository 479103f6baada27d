// One batch input file's lines: checked as the provider checks them when a batch is created, and
// answered as the live chat completions endpoint would answer them (same answer code, same usage).

import { answer, completionBody, RequestError, userTexts, validateRequest } from './answer.ts';
import type { Answer, ChatRequest } from './answer.ts';
import { parseDirectives } from './directives.ts';
import type { PromptCounters } from './faults.ts';
import { hashString, hex, mixInts } from './hash.ts';

export interface BatchLine {
  customId: string;
  body: ChatRequest;
  first: string;
}

export interface LineError {
  code: string;
  message: string;
  line: number;
}

/** `[[batchexpire]]` leaves the line unfinished when its batch's window closes; `[[batchexpirex1]]` only the first time. */
const EXPIRE = /\[\[\s*batchexpire(?:\s*x\s*(\d+))?\s*\]\]/i;

/** Parses and checks an input file; returns its lines, or the errors that fail the batch. */
export function parseInputFile(text: string, endpoint: string): { lines: BatchLine[]; errors: LineError[] } {
  const lines: BatchLine[] = [];
  const errors: LineError[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const lineText = raw[i].trim();
    if (lineText === '') continue;
    const line = i + 1;
    let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
    try {
      parsed = JSON.parse(lineText);
    } catch {
      errors.push({ code: 'invalid_json_line', message: `Line ${line} is not valid JSON.`, line });
      continue;
    }
    if (typeof parsed.custom_id !== 'string' || parsed.custom_id === '') {
      errors.push({ code: 'missing_custom_id', message: `Line ${line} has no custom_id.`, line });
      continue;
    }
    if (seen.has(parsed.custom_id)) {
      errors.push({ code: 'duplicate_custom_id', message: `The custom_id ${parsed.custom_id} on line ${line} is used twice.`, line });
      continue;
    }
    seen.add(parsed.custom_id);
    if (parsed.method !== 'POST' || parsed.url !== endpoint) {
      errors.push({ code: 'invalid_url', message: `Line ${line} must be POST ${endpoint}.`, line });
      continue;
    }
    let body: ChatRequest;
    try {
      body = validateRequest(parsed.body);
    } catch (err) {
      errors.push({ code: 'invalid_request', message: `Line ${line}: ${err instanceof Error ? err.message : String(err)}`, line });
      continue;
    }
    // The provider takes one model per file.
    model ??= body.model;
    if (body.model !== model) {
      errors.push({ code: 'mismatched_model', message: `Line ${line} asks for model ${body.model}, the file's first line for ${model}.`, line });
      continue;
    }
    lines.push({ customId: parsed.custom_id, body, first: userTexts(body.messages).first });
  }
  if (lines.length === 0 && errors.length === 0) errors.push({ code: 'empty_file', message: 'The input file has no requests.', line: 0 });
  return { lines, errors };
}

export type LineOutcome =
  | { kind: 'ok'; text: string; answer: Answer }
  | { kind: 'failed'; text: string }
  | { kind: 'unfinished' };

/** Whether this line stays unfinished when its batch's window closes (counted per first user message). */
export function expires(line: BatchLine, counters: PromptCounters): boolean {
  const m = EXPIRE.exec(line.first);
  if (m === null) return false;
  const times = m[1] !== undefined ? Number(m[1]) : Infinity;
  return counters.next('batchexpire', line.first) <= times;
}

/** The output or error line for one request: the answer the live endpoint would give, or its error. */
export function answerLine(line: BatchLine, batchId: string, counters: PromptCounters): LineOutcome {
  const id = `batch_req_${hex(mixInts(hashString(batchId), hashString(line.customId)))}`;
  const head = `{"id":"${id}","custom_id":${JSON.stringify(line.customId)},"response":{"status_code":`;
  const directives = parseDirectives(line.first);
  if (directives?.status !== undefined && counters.next('status', line.first) <= directives.statusTimes) {
    const error = { message: `Simulated error ${directives.status}.`, type: 'invalid_request_error', param: null, code: null };
    return { kind: 'failed', text: `${head}${directives.status},"request_id":"req_${id}","body":${JSON.stringify({ error })}},"error":null}` };
  }
  try {
    const body = { ...line.body, stream: false };
    const a = answer(body, { forceText: directives?.text === true });
    return { kind: 'ok', answer: a, text: `${head}200,"request_id":"req_${id}","body":${completionBody(body, a)}},"error":null}` };
  } catch (err) {
    const status = err instanceof RequestError ? err.status : 500;
    const error = { message: err instanceof Error ? err.message : String(err), type: 'invalid_request_error', param: null, code: null };
    return { kind: 'failed', text: `${head}${status},"request_id":"req_${id}","body":${JSON.stringify({ error })}},"error":null}` };
  }
}

/** The error-file line for a request its batch never ran (the window closed, or it was cancelled). */
export function unfinishedLine(line: BatchLine, batchId: string, code: 'batch_expired' | 'batch_cancelled'): string {
  const id = `batch_req_${hex(mixInts(hashString(batchId), hashString(line.customId)))}`;
  const message =
    code === 'batch_expired' ? 'This request could not be executed before the completion window expired.' : 'This request was not executed: its batch was cancelled.';
  return JSON.stringify({ id, custom_id: line.customId, response: null, error: { code, message } });
}
