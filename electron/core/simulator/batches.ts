// The Files and Batch APIs of the simulator: `/v1/files` (upload with purpose "batch", retrieve,
// content, delete) and `/v1/batches` (create with the 24 h window, retrieve, list, cancel).
// A batch is in progress for `processingMs` (as set now, not when it was created) after it is created (its completed count growing with
// the time), then finalizes on the next look: each line answered as the live endpoint would, with
// `[[status:N]]` lines in the error file and `[[batchexpire]]` lines left unfinished (the batch
// then ends "expired"). Time is read on each request, so nothing runs between requests.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerLine, expires, parseInputFile, unfinishedLine } from './batch-lines.ts';
import type { BatchLine, LineError } from './batch-lines.ts';
import type { PromptCounters } from './faults.ts';
import type { SimulatorStats } from './types.ts';

/** Above the provider's 200 MB per file, so the client's own split is what a test exercises. */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const WINDOW_S = 24 * 3600;

type Send = (res: ServerResponse, status: number, body: string, headers?: Record<string, string | number>, contentType?: string) => void;
type SendError = (res: ServerResponse, status: number, message: string, type: string, code?: string | null) => void;

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  createdAt: number;
  content: string;
}

interface BatchState {
  id: string;
  endpoint: string;
  inputFileId: string;
  createdAt: number;
  metadata: unknown;
  lines: BatchLine[];
  errors: LineError[];
  status: 'in_progress' | 'failed' | 'completed' | 'expired' | 'cancelling' | 'cancelled';
  cancelledAt?: number;
  finishedAt?: number;
  outputFileId?: string;
  errorFileId?: string;
  completed: number;
  failed: number;
}

export interface BatchApiDeps {
  send: Send;
  sendError: SendError;
  counters: PromptCounters;
  stats: () => SimulatorStats;
  processingMs: () => number;
}

export function isBatchApiPath(path: string): boolean {
  return path === '/v1/files' || path.startsWith('/v1/files/') || path === '/v1/batches' || path.startsWith('/v1/batches/');
}

export function createBatchApi(deps: BatchApiDeps) {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, BatchState>();
  let nextFile = 0;
  let nextBatch = 0;
  const seconds = (ms: number) => Math.floor(ms / 1000);

  function storeFile(filename: string, purpose: string, content: string): StoredFile {
    const file = { id: `file-sim${String(++nextFile).padStart(6, '0')}`, filename, purpose, createdAt: Date.now(), content };
    files.set(file.id, file);
    return file;
  }

  function fileJson(f: StoredFile) {
    return { id: f.id, object: 'file', bytes: Buffer.byteLength(f.content), created_at: seconds(f.createdAt), filename: f.filename, purpose: f.purpose, status: 'processed' };
  }

  /** Answers every line (or, when cancelled, the part done by then) and writes the output and error files. */
  function finalize(b: BatchState, now: number): void {
    const stats = deps.stats();
    const done = b.status === 'cancelling' ? progressed(b, b.cancelledAt ?? now) : b.lines.length;
    const out: string[] = [];
    const err: string[] = [];
    let expired = false;
    b.lines.forEach((line, i) => {
      if (i >= done) {
        err.push(unfinishedLine(line, b.id, 'batch_cancelled'));
        return;
      }
      if (expires(line, deps.counters)) {
        expired = true;
        err.push(unfinishedLine(line, b.id, 'batch_expired'));
        return;
      }
      stats.byPrompt.set(line.first, (stats.byPrompt.get(line.first) ?? 0) + 1);
      const o = answerLine(line, b.id, deps.counters);
      if (o.kind === 'ok') {
        out.push(o.text);
        stats.completedByPrompt.set(line.first, (stats.completedByPrompt.get(line.first) ?? 0) + 1);
        stats.promptTokens += o.answer.usage.prompt_tokens;
        stats.completionTokens += o.answer.usage.completion_tokens;
      } else if (o.kind === 'failed') err.push(o.text);
    });
    b.completed = out.length;
    b.failed = err.length;
    if (out.length > 0) b.outputFileId = storeFile(`${b.id}_output.jsonl`, 'batch_output', `${out.join('\n')}\n`).id;
    if (err.length > 0) b.errorFileId = storeFile(`${b.id}_error.jsonl`, 'batch_output', `${err.join('\n')}\n`).id;
    b.status = b.status === 'cancelling' ? 'cancelled' : expired ? 'expired' : 'completed';
    b.finishedAt = now;
  }

  /** When a batch is done: read at each look, so a test can shorten the wait of a batch already created. */
  const readyAt = (b: BatchState) => b.createdAt + deps.processingMs();

  /** How many lines are done at `now`: a straight line from none at creation to all at readyAt. */
  function progressed(b: BatchState, now: number): number {
    const span = readyAt(b) - b.createdAt;
    return span <= 0 || now >= readyAt(b) ? b.lines.length : Math.floor((b.lines.length * (now - b.createdAt)) / span);
  }

  function look(b: BatchState): BatchState {
    const now = Date.now();
    if (b.status === 'cancelling' || (b.status === 'in_progress' && now >= readyAt(b))) finalize(b, now);
    return b;
  }

  function batchJson(b: BatchState) {
    const inProgress = b.status === 'in_progress' || b.status === 'cancelling';
    const counts = inProgress ? { total: b.lines.length, completed: progressed(b, Date.now()), failed: 0 } : { total: b.lines.length, completed: b.completed, failed: b.failed };
    const end = b.finishedAt === undefined ? undefined : seconds(b.finishedAt);
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      errors: b.errors.length > 0 ? { object: 'list', data: b.errors.map((e) => ({ code: e.code, message: e.message, line: e.line, param: null })) } : null,
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status: b.status,
      output_file_id: b.outputFileId ?? null,
      error_file_id: b.errorFileId ?? null,
      created_at: seconds(b.createdAt),
      in_progress_at: b.status === 'failed' ? null : seconds(b.createdAt),
      expires_at: seconds(b.createdAt) + WINDOW_S,
      completed_at: b.status === 'completed' ? end : null,
      failed_at: b.status === 'failed' ? end : null,
      expired_at: b.status === 'expired' ? end : null,
      cancelling_at: b.cancelledAt === undefined ? null : seconds(b.cancelledAt),
      cancelled_at: b.status === 'cancelled' ? end : null,
      request_counts: counts,
      metadata: b.metadata ?? null,
    };
  }

  async function upload(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    let form: FormData;
    try {
      // Node's own fetch Response parses multipart/form-data; no need for a hand-written parser.
      form = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    } catch {
      deps.sendError(res, 400, 'The upload must be multipart/form-data with a file and a purpose.', 'invalid_request_error');
      return;
    }
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (!(file instanceof File)) return deps.sendError(res, 400, "Missing the 'file' field.", 'invalid_request_error');
    if (purpose !== 'batch') return deps.sendError(res, 400, `The purpose must be "batch", got ${JSON.stringify(purpose)}.`, 'invalid_request_error');
    deps.stats().fileUploads++;
    deps.send(res, 200, JSON.stringify(fileJson(storeFile(file.name, purpose, await file.text()))));
  }

  function create(res: ServerResponse, raw: Buffer): void {
    let body: { input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown; metadata?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return deps.sendError(res, 400, 'The request body is not valid JSON.', 'invalid_request_error');
    }
    const input = typeof body.input_file_id === 'string' ? files.get(body.input_file_id) : undefined;
    if (!input || input.purpose !== 'batch') return deps.sendError(res, 400, `No batch input file ${String(body.input_file_id)}.`, 'invalid_request_error');
    if (body.endpoint !== '/v1/chat/completions') return deps.sendError(res, 400, 'The simulator runs batches of /v1/chat/completions only.', 'invalid_request_error');
    if (body.completion_window !== '24h') return deps.sendError(res, 400, 'The completion window must be "24h".', 'invalid_request_error');
    const { lines, errors } = parseInputFile(input.content, body.endpoint);
    const now = Date.now();
    const b: BatchState = {
      id: `batch_sim${String(++nextBatch).padStart(6, '0')}`,
      endpoint: body.endpoint,
      inputFileId: input.id,
      createdAt: now,
      metadata: body.metadata,
      lines: errors.length > 0 ? [] : lines,
      errors,
      status: errors.length > 0 ? 'failed' : 'in_progress',
      completed: 0,
      failed: 0,
    };
    if (errors.length > 0) b.finishedAt = now;
    batches.set(b.id, b);
    deps.stats().batchesCreated++;
    deps.send(res, 200, JSON.stringify(batchJson(b)));
  }

  function route(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void | Promise<void> {
    const method = req.method ?? 'GET';
    const parts = path.split('/').slice(2); // ['files' | 'batches', id?, action?]
    const [kind, id, action] = parts.map(decodeURIComponent);
    if (kind === 'files') {
      if (id === undefined && method === 'POST') return upload(req, res, raw);
      const f = id === undefined ? undefined : files.get(id);
      if (id !== undefined && !f) return deps.sendError(res, 404, `No such file: ${id}.`, 'invalid_request_error', 'not_found');
      if (f && action === undefined && method === 'GET') return deps.send(res, 200, JSON.stringify(fileJson(f)));
      if (f && action === undefined && method === 'DELETE') {
        files.delete(f.id);
        return deps.send(res, 200, JSON.stringify({ id: f.id, object: 'file', deleted: true }));
      }
      if (f && action === 'content' && method === 'GET') return deps.send(res, 200, f.content, undefined, 'application/octet-stream');
    } else {
      if (id === undefined && method === 'POST') return create(res, raw);
      if (id === undefined && method === 'GET') {
        const data = [...batches.values()].reverse().map((b) => batchJson(look(b)));
        return deps.send(res, 200, JSON.stringify({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false }));
      }
      const b = id === undefined ? undefined : batches.get(id);
      if (!b) return deps.sendError(res, 404, `No such batch: ${id}.`, 'invalid_request_error', 'not_found');
      if (action === undefined && method === 'GET') return deps.send(res, 200, JSON.stringify(batchJson(look(b))));
      if (action === 'cancel' && method === 'POST') {
        look(b);
        if (b.status !== 'in_progress') return deps.sendError(res, 400, `Cannot cancel a batch with status ${b.status}.`, 'invalid_request_error');
        b.status = 'cancelling';
        b.cancelledAt = Date.now();
        return deps.send(res, 200, JSON.stringify(batchJson(b)));
      }
    }
    deps.sendError(res, 405, `Method ${method} not allowed on ${path}.`, 'invalid_request_error', 'method_not_allowed');
  }

  /** Reads the body (up to MAX_UPLOAD_BYTES) and answers. */
  function serve(req: IncomingMessage, res: ServerResponse, path: string): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_UPLOAD_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        deps.sendError(res, 413, 'The upload is too large.', 'invalid_request_error');
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      Promise.resolve(route(req, res, path, Buffer.concat(chunks))).catch(() => deps.sendError(res, 500, 'Simulator failure.', 'server_error'));
    });
  }

  return { serve };
}
