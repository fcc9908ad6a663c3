import type { z } from '@hono/zod-openapi';
import { quote } from '../../shared/quote.ts';
import { ApiError } from './api-error.ts';

/** A request part that failed its route's schema: which part, zod's issues, and what came in. */
export interface SchemaFailure {
  readonly part: 'params' | 'query' | 'body';
  readonly issues: readonly z.core.$ZodIssue[];
  readonly input: unknown;
}

/** The default answer to a schema failure: 400 BAD_REQUEST naming the first problem. */
export function badRequest(failure: SchemaFailure): ApiError {
  return new ApiError(400, 'BAD_REQUEST', failureMessage(failure));
}

/**
 * A short sentence for the first issue. Never the value that failed:
 * custom messages in the schemas say what was expected, zod's own name
 * types and limits only, and an unknown field name is quoted and cut.
 */
export function failureMessage(failure: SchemaFailure): string {
  const issue = failure.issues[0];
  if (issue === undefined) return 'the request is not valid';
  if (issue.code === 'unrecognized_keys') return `unknown field ${quote(issue.keys[0] ?? '')}`;
  const path = issue.path.map(String).join('.');
  if (failure.part === 'body') {
    if (path === '') return issue.code === 'invalid_type' ? 'the body must be a JSON object' : issue.message;
    return issue.message.startsWith(`${path} `) ? issue.message : `${path}: ${issue.message}`;
  }
  // Parameter schemas (schemas.ts) carry their own full messages; zod's defaults get the name in front.
  return issue.message.startsWith('parameter ') || issue.message.startsWith(`${path} `) ? issue.message : `parameter '${path}': ${issue.message}`;
}

/** Whether the failing field was left out (rather than given a wrong value). */
export function isMissing(failure: SchemaFailure, issue: z.core.$ZodIssue): boolean {
  let value: unknown = failure.input;
  for (const key of issue.path) {
    if (typeof value !== 'object' || value === null) return true;
    value = Reflect.get(value, key);
  }
  return value === undefined;
}

/**
 * The error a model's own guard throws for `value`, for routes whose schema
 * failures must keep the guard's codes (a verifier key's crypto codes); the
 * fallback where the guard, unexpectedly, accepts it.
 */
export function guardError(guard: (value: unknown) => unknown, value: unknown, fallback: Error): Error {
  try {
    guard(value);
  } catch (err) {
    if (err instanceof Error) return err;
  }
  return fallback;
}

/** The body field a failure is about, as it came in (undefined where the body is not an object). */
export function fieldOf(failure: SchemaFailure, name: string): unknown {
  return typeof failure.input === 'object' && failure.input !== null ? Reflect.get(failure.input, name) : undefined;
}
