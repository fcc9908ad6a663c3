import type { Context } from 'hono';
import type { z } from 'zod';
import { ConsoleError } from './errors.ts';

/**
 * A console form's fields. Only url-encoded forms are taken (no files, no
 * multipart): the body guard has already bounded the bytes; this bounds
 * the fields. A repeated name yields its first value to `get` (every
 * check and its action read the same one), all of them to `getAll`.
 */
export async function formOf(c: Context): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new ConsoleError('CONSOLE_FORM_INVALID', 'the console takes url-encoded forms only');
  const form = new URLSearchParams(await c.req.text());
  if ([...form.keys()].length > MAX_FORM_FIELDS) throw new ConsoleError('CONSOLE_FORM_INVALID', `a form holds at most ${MAX_FORM_FIELDS} fields`);
  return form;
}

export const MAX_FORM_FIELDS = 1_000;
/** The console's form bodies are capped here by the body guard (server/http/body-limits.ts). */
export const MAX_CONSOLE_FORM_BYTES = 64 * 1024;

/** A form's fields checked by a zod schema: the value, or one message per field for the form to show beside it. */
export function checkForm<T>(schema: z.ZodType<T>, fields: Record<string, unknown>): { ok: true; value: T } | { ok: false; errors: Record<string, string> } {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? 'form');
    errors[name] ??= issue.message;
  }
  return { ok: false, errors };
}
