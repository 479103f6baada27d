// The provider's Batch API through the openai SDK: check that the endpoint has one, upload the input
// files and create their batches, look at them, read back their output and error lines, cancel.
import OpenAI, { toFile } from 'openai';
import type { Completion } from '../engine/wire.ts';
import { CHAT_ENDPOINT, DEFAULT_FILE_LIMITS, toInputFiles } from './jsonl.ts';
import type { BatchRequest, FileLimits } from './jsonl.ts';

/** An endpoint without /v1/batches: said before anything is sent. */
export class BatchUnsupportedError extends Error {
  constructor(baseURL: string, status: number) {
    super(
      `The endpoint ${baseURL} has no Batch API (${baseURL.replace(/\/+$/, '')}/batches answered ${status}); ` +
        'local servers such as Ollama, LM Studio and vLLM answer only live calls. Nothing was sent. Run this in live mode instead (--mode live).',
    );
    this.name = 'BatchUnsupportedError';
  }
}

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** A status after which the batch changes no more and its files can be read. */
export function isFinal(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'expired' || status === 'cancelled';
}

export interface SubmittedBatch {
  batchId: string;
  inputFileId: string;
  customIds: string[];
}

export interface BatchState {
  batchId: string;
  status: BatchStatus;
  total: number;
  completed: number;
  failed: number;
  outputFileId: string | null;
  errorFileId: string | null;
  /** The reasons a whole batch failed (a bad input file), joined. */
  error: string | null;
}

/** What a finished batch says of one request. */
export type LineResult =
  | { kind: 'answer'; completion: Completion }
  | { kind: 'failed'; error: string }
  /** Never run (the window closed or the batch was cancelled): may be sent again. */
  | { kind: 'unfinished'; error: string };

export interface BatchApiOptions {
  baseURL: string;
  apiKey?: string;
  limits?: FileLimits;
}

export class BatchApi {
  readonly baseURL: string;
  readonly limits: FileLimits;
  private readonly sdk: OpenAI;

  constructor(options: BatchApiOptions) {
    this.baseURL = options.baseURL;
    this.limits = options.limits ?? DEFAULT_FILE_LIMITS;
    this.sdk = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey || 'no-key', maxRetries: 3 });
  }

  /** Throws BatchUnsupportedError when the endpoint has no /v1/batches (404 or 405); other errors pass. */
  async probe(): Promise<void> {
    try {
      await this.sdk.batches.list({ limit: 1 });
    } catch (err) {
      if (err instanceof OpenAI.APIError && (err.status === 404 || err.status === 405)) throw new BatchUnsupportedError(this.baseURL, err.status);
      throw err;
    }
  }

  /** Uploads the requests as one or more files and creates a batch for each. */
  async submit(requests: readonly BatchRequest[], metadata?: Record<string, string>, onBatch?: (b: SubmittedBatch) => void): Promise<SubmittedBatch[]> {
    const out: SubmittedBatch[] = [];
    for (const [i, file] of toInputFiles(requests, this.limits).entries()) {
      const inputFileId = await this.upload(file.text, `rowrunner-${i + 1}.jsonl`);
      const submitted = { batchId: (await this.create(inputFileId, metadata)).batchId, inputFileId, customIds: file.customIds };
      onBatch?.(submitted);
      out.push(submitted);
    }
    return out;
  }

  /** Uploads one JSONL input file; returns its file id. */
  async upload(text: string, filename: string): Promise<string> {
    return (await this.sdk.files.create({ file: await toFile(Buffer.from(text), filename), purpose: 'batch' })).id;
  }

  /** Creates the batch of an uploaded file, with the 24 h window. */
  async create(inputFileId: string, metadata?: Record<string, string>): Promise<{ batchId: string; status: BatchStatus }> {
    const batch = await this.sdk.batches.create({ input_file_id: inputFileId, endpoint: CHAT_ENDPOINT, completion_window: '24h', metadata });
    return { batchId: batch.id, status: batch.status };
  }

  async retrieve(batchId: string): Promise<BatchState> {
    const b = await this.sdk.batches.retrieve(batchId);
    const errors = b.errors?.data?.map((e) => (e.line ? `line ${e.line}: ${e.message}` : e.message)).filter(Boolean) ?? [];
    return {
      batchId: b.id,
      status: b.status,
      total: b.request_counts?.total ?? 0,
      completed: b.request_counts?.completed ?? 0,
      failed: b.request_counts?.failed ?? 0,
      outputFileId: b.output_file_id ?? null,
      errorFileId: b.error_file_id ?? null,
      error: errors.length > 0 ? errors.join('; ') : null,
    };
  }

  async cancel(batchId: string): Promise<void> {
    try {
      await this.sdk.batches.cancel(batchId);
    } catch (err) {
      // Already finished or cancelled: nothing left to stop.
      if (err instanceof OpenAI.APIError && err.status === 400) return;
      throw err;
    }
  }

  /**
   * Every request of a finished batch by custom_id. A request in neither file (a batch that failed
   * whole, or one cancelled or expired before writing it) is failed or unfinished accordingly.
   */
  async results(state: BatchState, customIds: readonly string[]): Promise<Map<string, LineResult>> {
    const results = new Map<string, LineResult>();
    for (const fileId of [state.outputFileId, state.errorFileId]) {
      if (!fileId) continue;
      const text = await (await this.sdk.files.content(fileId)).text();
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        const line = JSON.parse(raw) as OutputLine;
        results.set(line.custom_id, lineResult(line));
      }
    }
    for (const id of customIds) {
      if (results.has(id)) continue;
      if (state.status === 'failed') results.set(id, { kind: 'failed', error: `The batch ${state.batchId} failed: ${state.error ?? 'no reason given'}` });
      else results.set(id, { kind: 'unfinished', error: `The batch ${state.batchId} ended ${state.status} before this request ran.` });
    }
    return results;
  }
}

interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string | null; message?: string | null } | null;
}

function lineResult(line: OutputLine): LineResult {
  if (line.response && line.response.status_code === 200) return { kind: 'answer', completion: line.response.body as Completion };
  if (line.response) {
    const message = (line.response.body as { error?: { message?: string } } | null)?.error?.message ?? 'no message';
    // Worded as a live call's failure is (the SDK's "STATUS message"), so an export reads the same in both modes.
    return { kind: 'failed', error: `HTTP ${line.response.status_code} ${message}` };
  }
  const code = line.error?.code ?? 'unknown';
  const message = `${code}: ${line.error?.message ?? 'no message'}`;
  return code === 'batch_expired' || code === 'batch_cancelled' ? { kind: 'unfinished', error: message } : { kind: 'failed', error: message };
}
