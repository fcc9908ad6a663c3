import { z } from '@hono/zod-openapi';

/**
 * Schema pieces many routes share. Query and path values arrive as text:
 * each integer is a string of digits checked and turned into a number here,
 * and described to the OpenAPI document as the integer it stands for.
 */

/** A non-negative integer of at most 15 digits, at least `min`. */
export function integerText(name: string, min = 0) {
  return z
    .string({ error: `parameter '${name}' is required` })
    .regex(/^\d{1,15}$/, { error: `parameter '${name}' must be a non-negative integer` })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `parameter '${name}' must be at least ${min}` }))
    .openapi({ type: 'integer', minimum: min, maximum: Number.MAX_SAFE_INTEGER });
}

/** An optional integer query value ('' counts as absent, as before): undefined when absent. */
export function optionalInteger(name: string, min = 0) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw === '' ? undefined : raw))
    .pipe(integerText(name, min).optional())
    .openapi({ type: 'integer', minimum: min });
}

/** An optional integer query value that stands for `fallback` when absent. */
export function integerOr(name: string, options: { min?: number; fallback: number }) {
  return optionalInteger(name, options.min)
    .transform((value) => value ?? options.fallback)
    .openapi({ type: 'integer', minimum: options.min ?? 0, default: options.fallback });
}

/** `?limit=`: at least 1, `fallback` when absent, larger values cut to `max` (not refused). */
export function pageLimit(max: number, fallback: number) {
  return integerOr('limit', { min: 1, fallback })
    .transform((value) => Math.min(max, value))
    .openapi({ type: 'integer', minimum: 1, default: fallback, description: `Items per page; values above ${max} are cut to ${max}.` });
}

/** `?after=`: the last id of the previous page (0, the default, starts at the beginning). */
export const afterId = integerOr('after', { fallback: 0 }).openapi({ description: 'Return items after this id (the previous page\'s `next`).' });

/** The `next` of a page: the id to pass as `after`, or null on the last page. */
export const nextCursor = z.number().int().nullable().openapi({ description: 'Pass as `after` for the next page; null on the last page.' });

/** Every error answer: `{ error: { code, message } }`. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'A stable code (docs/API.md lists them); codes are never renamed.' }),
      message: z.string().openapi({ description: 'A sentence for people; never parse it.' }),
    }),
  })
  .openapi('Error');

/** Milliseconds since the epoch. */
export const epochMs = z.number().int().openapi({ description: 'Milliseconds since the epoch' });

/** A free-form JSON object whose fields are listed in docs/API.md rather than here. */
export const looseObject = (description: string) => z.looseObject({}).openapi({ description });

/** A body the route sends as is (a signed msgpack envelope, a note): described by its media type. */
export function mediaResponse(description: string, mediaType: string) {
  return { description, content: { [mediaType]: { schema: { type: 'string' as const, contentMediaType: mediaType } } } };
}

/** An optional text query value matching `pattern` ('' counts as absent, as before). */
export function optionalMatch(name: string, pattern: RegExp) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === '' ? undefined : raw))
    .pipe(z.string().regex(pattern, { error: `parameter '${name}' must match ${pattern}` }).optional())
    .openapi({ type: 'string', pattern: pattern.source });
}
