// A request's cache key: the sha256 of its canonical form. Two requests with the same key would be
// the same bytes to the same endpoint, so a stored answer to one answers the other.
//
// The key is taken over the wire body (what toBody sends: model, every message, tools, tool choice,
// temperature, the output cap as sent, any other parameter) and the endpoint's base URL, with object
// keys sorted at every depth. Hashing the body rather than our ChatRequest means a parameter added to
// the wire later is part of the key without anyone remembering to add it here.
import { hash } from 'node:crypto';
import type { ChatRequest } from '../llm.ts';
import { toBody } from '../wire.ts';
import { sharedCanonicalJson } from './canonical.ts';

export { canonicalJson } from './canonical.ts';

/** Bumped when the canonical form changes, so keys made under an old form never match. */
export const CACHE_KEY_VERSION = 1;

/** The base URL as a key part: trailing slashes do not make a different endpoint. */
export function canonicalBaseUrl(baseURL: string): string {
  return baseURL.trim().replace(/\/+$/, '');
}

/** The key of a wire body sent to an endpoint: for transports that build the body themselves (batch files). */
export function cacheKeyOfBody(baseURL: string, body: unknown): string {
  return hash('sha256', sharedCanonicalJson({ v: CACHE_KEY_VERSION, endpoint: canonicalBaseUrl(baseURL), body }));
}

/** The key of a chat request sent to an endpoint. */
export function cacheKey(baseURL: string, request: ChatRequest): string {
  return cacheKeyOfBody(baseURL, toBody(request));
}
