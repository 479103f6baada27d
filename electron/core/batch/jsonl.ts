// A batch's requests as JSONL input files: one line per request, its custom_id naming the item and
// the turn, split so that no file passes the provider's limits.
import type OpenAI from 'openai';

export type ChatBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

export interface BatchRequest {
  customId: string;
  body: ChatBody;
}

/** The provider's limits per input file (OpenAI: 50,000 requests and 200 MB). */
export interface FileLimits {
  maxRequests: number;
  maxBytes: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = Object.freeze({ maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 });

export const CHAT_ENDPOINT = '/v1/chat/completions';

export function customId(itemId: number, turn: number): string {
  return `item-${itemId}-turn-${turn}`;
}

/** The item and turn a custom_id names; null for one this client did not write. */
export function parseCustomId(id: string): { itemId: number; turn: number } | null {
  const m = /^item-(\d+)-turn-(\d+)$/.exec(id);
  return m ? { itemId: Number(m[1]), turn: Number(m[2]) } : null;
}

export interface InputFile {
  text: string;
  customIds: string[];
}

/** Writes the requests as JSONL files, a new file whenever the next line would pass a limit. */
export function toInputFiles(requests: readonly BatchRequest[], limits: FileLimits = DEFAULT_FILE_LIMITS): InputFile[] {
  const files: InputFile[] = [];
  let lines: string[] = [];
  let ids: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (lines.length === 0) return;
    files.push({ text: `${lines.join('\n')}\n`, customIds: ids });
    lines = [];
    ids = [];
    bytes = 0;
  };
  for (const r of requests) {
    const line = JSON.stringify({ custom_id: r.customId, method: 'POST', url: CHAT_ENDPOINT, body: r.body });
    const size = Buffer.byteLength(line) + 1;
    if (size > limits.maxBytes) throw new Error(`The request ${r.customId} is ${size} bytes, more than a batch file may hold (${limits.maxBytes} bytes).`);
    if (lines.length >= limits.maxRequests || bytes + size > limits.maxBytes) flush();
    lines.push(line);
    ids.push(r.customId);
    bytes += size;
  }
  flush();
  return files;
}
