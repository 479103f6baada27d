// Reads AGENT.json, the agent spec the desktop app saves and loads too, and validates it with an error
// that names the file and each wrong field.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { AgentSpecSchema, type AgentSpec } from '../../../shared/domain.ts';
import { UsageError } from './errors.ts';

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
}

export function loadAgentFile(file: string): AgentSpec {
  const shown = path.relative(process.cwd(), path.resolve(file)) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an agent file' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UsageError(`${shown}: not valid JSON: ${jsonErrorWhere(text, err as Error)}`);
  }
  const parsed = AgentSpecSchema.safeParse(json);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error);
    throw new UsageError(`${shown}: not a valid agent spec:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  }
  return parsed.data;
}

/** JSON.parse's message, with a line and column if it only gave a position. */
function jsonErrorWhere(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m || /line \d+/.test(err.message)) return err.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${err.message} (line ${line}, column ${column})`;
}
