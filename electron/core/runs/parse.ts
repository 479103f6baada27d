// Turning what a front passes into what the store takes: ids (strings in the contract, integers in
// SQLite) and zod issues as the contract's field list.
import type { z } from 'zod';
import { notFound } from '../errors.ts';

export function parseId(kind: string, id: string): number {
  const n = Number(id);
  if (!/^\d+$/.test(String(id)) || !Number.isSafeInteger(n)) throw notFound(`No ${kind} with id "${id}".`);
  return n;
}

/** The dotted paths of the invalid fields under `prefix`, and one line per issue. */
export function zodFields(prefix: string, error: z.ZodError): { fields: string[]; details: string[] } {
  const fields: string[] = [];
  const details: string[] = [];
  for (const issue of error.issues) {
    const p = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (!fields.includes(p)) fields.push(p);
    details.push(`${p}: ${issue.message}`);
  }
  return { fields, details };
}
