/**
 * Whether arrays and objects in `text` nest deeper than `limit`, in one
 * pass that stops at the first level too deep. JSON.parse takes seconds on
 * a few MiB of nested brackets and cannot be interrupted, so a body whose
 * shape cannot be a submission is refused before it is parsed.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character, a quote included
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}
