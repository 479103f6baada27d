// A request's cache key: the sha256 of its canonical form. Two requests with the same key would be
// the same bytes to the same endpoint, so a stored answer to one answers the other.
//
// The key is taken over the wire body (what toBody sends: model, every message, tools, tool choice,
// temperature, the output cap as sent, any other parameter) and the endpoint's base URL, with object
// keys sorted at every depth. Hashing the body rather than our ChatRequest means a parameter added to
// the wire later is part of the key without anyone remembering to add it here.
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../llm.ts';
import { toBody } from '../wire.ts';

/** Bumped when the canonical form changes, so keys made under an old form never match. */
export const CACHE_KEY_VERSION = 1;

/** The base URL as a key part: trailing slashes do not make a different endpoint. */
export function canonicalBaseUrl(baseURL: string): string {
  return baseURL.trim().replace(/\/+$/, '');
}

/**
 * JSON with object keys sorted at every depth and undefined members left out (as JSON.stringify
 * leaves them out). Hand-written: it is a dozen lines, and the registry's stable stringifiers differ
 * on details (undefined in arrays, toJSON) that must never change under a stored key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** The key of a wire body sent to an endpoint: for transports that build the body themselves (batch files). */
export function cacheKeyOfBody(baseURL: string, body: unknown): string {
  const canonical = canonicalJson({ v: CACHE_KEY_VERSION, endpoint: canonicalBaseUrl(baseURL), body });
  return createHash('sha256').update(canonical).digest('hex');
}

/** The key of a chat request sent to an endpoint. */
export function cacheKey(baseURL: string, request: ChatRequest): string {
  return cacheKeyOfBody(baseURL, toBody(request));
}
