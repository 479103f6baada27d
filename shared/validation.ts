// One validation for every front: the prompt-vs-columns check with its one message, and the zod
// schemas' failures phrased for people ("Answer field 1: name is required", "Batch size must be above 0").
import { z } from 'zod';
import { agentLabel, runOptionLabel } from './labels.ts';
import { missingColumns, parseTemplate, TemplateError } from './template.ts';

// ---- The prompt against the CSV's columns ----

export interface PromptCheck {
  /** An unclosed or empty {{ }}, with the character it starts at. */
  syntax: string | null;
  /** Columns the prompt names that the CSV lacks. */
  missing: string[];
}

/** Checks a prompt template, and against the CSV's header when there is one (columns null: no CSV yet). */
export function checkPrompt(prompt: string, columns: readonly string[] | null): PromptCheck {
  try {
    parseTemplate(prompt);
  } catch (e) {
    if (e instanceof TemplateError) return { syntax: e.message, missing: [] };
    throw e;
  }
  return { syntax: null, missing: columns ? missingColumns(prompt, columns) : [] };
}

const LISTED_COLUMNS = 20;

/** The one message for a prompt naming columns the CSV lacks; `source` names the CSV ("items.csv", 'the dataset "x"'). */
export function promptColumnsMessage(missing: readonly string[], columns: readonly string[], source = 'the CSV'): string {
  const named = missing.map((c) => `{{${c}}}`).join(', ');
  const shown = columns.slice(0, LISTED_COLUMNS).join(', ') + (columns.length > LISTED_COLUMNS ? `, … (${columns.length} in all)` : '');
  return `The prompt names ${named}, which ${source} lacks (its columns: ${shown || 'none'}).`;
}

// ---- Schema failures, phrased by field label ----

/** 'required': the field is empty or absent, which a form may leave unsaid until the user tries to save. */
export type IssueKind = 'required' | 'invalid';

export interface FieldIssue {
  /** The field's path in the parsed value, dot-joined: "temperature", "pricing.inputPerMTok", "fields.0.name". */
  path: string;
  kind: IssueKind;
  /** What is wrong, said of the field: "is required", "must be at most 2". */
  message: string;
  /** The message with the field's label in front, for a list: "Temperature must be at most 2". */
  text: string;
}

type RawIssue = z.core.$ZodRawIssue;

function isRequired(issue: RawIssue): boolean {
  if (issue.code === 'invalid_type') return issue.input === undefined || issue.input === '';
  if (issue.code === 'too_small') return issue.origin !== 'number' && issue.minimum === 1;
  return false;
}

function bound(issue: { origin: string; inclusive?: boolean }, value: number | bigint, side: 'least' | 'most'): string {
  if (issue.origin === 'string') return `must have at ${side} ${value} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') return `must have at ${side} ${value} entries`;
  if (issue.inclusive === false) return `must be ${side === 'least' ? 'above' : 'below'} ${value}`;
  return `must be at ${side} ${value}`;
}

/**
 * The error map for a parse: built-in checks in plain words. A schema's own message (a refine's, or
 * an `error` given to a check) wins over it, as zod ranks them.
 */
export function phraseIssue(issue: RawIssue): string | undefined {
  if (isRequired(issue)) return issue.code === 'too_small' && issue.origin === 'array' ? 'must have at least one entry' : 'is required';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      return `must be a ${issue.expected}`;
    case 'too_small':
      return bound(issue, issue.minimum, 'least');
    case 'too_big':
      return bound(issue, issue.maximum, 'most');
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has no field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has characters it may not have' : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
}

// A label and a predicate ("is required") read as one sentence; other messages follow a colon.
const PREDICATE = /^(is|are|must|has|holds|nests|names)\b/;

function withLabel(label: string, message: string): string {
  return PREDICATE.test(message) ? `${label} ${message}` : `${label}: ${message}`;
}

/** A form's number field as typed: absent when empty, a number when it reads as one, else the text (which a number schema refuses). */
export function numberText(text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export type ParseResult<T> = { data: T; issues: [] } | { data: null; issues: FieldIssue[] };

/** Parses `input` with `schema`; on failure, one FieldIssue per problem, labelled by `label`. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, label: (path: readonly PropertyKey[]) => string): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(input, { error: phraseIssue, reportInput: true });
  if (parsed.success) return { data: parsed.data, issues: [] };
  return {
    data: null,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      kind: isRequired(issue as RawIssue) ? 'required' : 'invalid',
      message: issue.message,
      text: withLabel(label(issue.path), issue.message),
    })),
  };
}

/** The same issue for a field the schema does not hold (a form's own rule), labelled alike. */
export function fieldIssue(path: string, kind: IssueKind, message: string, label: (path: readonly PropertyKey[]) => string): FieldIssue {
  return { path, kind, message, text: withLabel(label(path.split('.')), message) };
}

export const agentIssue = (path: string, kind: IssueKind, message: string): FieldIssue => fieldIssue(path, kind, message, agentLabel);
export const runOptionIssue = (path: string, kind: IssueKind, message: string): FieldIssue => fieldIssue(path, kind, message, runOptionLabel);
