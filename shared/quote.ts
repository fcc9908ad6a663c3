/** Characters of caller input an error message may carry; the rest is cut and counted. */
export const MAX_QUOTED_CHARS = 64;

/**
 * Caller input as it may appear in an error message: JSON-quoted (so
 * control characters and quotes cannot forge log lines or message text),
 * and cut after `maxChars` characters with the number left out, so that an
 * error never echoes unbounded input (a 200 kB field name once came back as
 * a 400 kB answer). Every message that names what a caller sent goes
 * through here.
 */
export function quote(value: unknown, maxChars: number = MAX_QUOTED_CHARS): string {
  const text = typeof value === 'string' ? value : String(value);
  const chars = Array.from(text.length > maxChars * 2 + 2 ? text.slice(0, maxChars * 2 + 2) : text);
  if (chars.length <= maxChars) return JSON.stringify(text);
  const kept = chars.slice(0, maxChars).join('');
  return `${JSON.stringify(kept)}… (${text.length - kept.length} more characters)`;
}
