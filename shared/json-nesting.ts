/** Why a JSON text was refused before parsing: it nests too deep, or its brackets and strings do not balance. */
export class JsonNestingError extends SyntaxError {
  readonly reason: 'depth' | 'unbalanced';
  constructor(reason: 'depth' | 'unbalanced', message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Watches the bytes of a JSON text as they stream past and refuses, with a
 * JsonNestingError (a SyntaxError), nesting deeper than a limit, a closing bracket with nothing
 * open, and a text that ends inside a string or an open container. The
 * chunked parser behind readBoundedJson slows down sharply with depth
 * (16 MiB of `[` took 15 s and held the event loop 1.5 s at a time) and
 * accepts a text that ends with containers still open; this guard runs
 * first, in linear time, so neither reaches it. It checks nesting only:
 * everything else is the parser's.
 */
export class JsonNestingGuard {
  readonly #maxDepth: number;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  /** Bytes of UTF-8: every structural character is ASCII, and no byte of a multi-byte character is. */
  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; at++) {
      if (this.#inString) {
        if (this.#escaped) {
          this.#escaped = false;
          continue;
        }
        // Strings are most of a batch (base64 images): jump to the next quote or backslash natively.
        const quote = chunk.indexOf(0x22, at);
        const backslash = chunk.indexOf(0x5c, at);
        if (quote < 0 && backslash < 0) return;
        if (backslash >= 0 && (quote < 0 || backslash < quote)) {
          at = backslash;
          this.#escaped = true;
        } else {
          at = quote;
          this.#inString = false;
        }
        continue;
      }
      switch (chunk[at]) {
        case 0x22: // quote
          this.#inString = true;
          break;
        case 0x5b: // [
        case 0x7b: // {
          if (++this.#depth > this.#maxDepth) throw new JsonNestingError('depth', `JSON nested deeper than ${this.#maxDepth}`);
          break;
        case 0x5d: // ]
        case 0x7d: // }
          if (--this.#depth < 0) throw new JsonNestingError('unbalanced', 'JSON closes a bracket it never opened');
          break;
      }
    }
  }

  end(): void {
    if (this.#inString || this.#depth !== 0) throw new JsonNestingError('unbalanced', 'JSON ends inside a string or an open object or array');
  }
}

/**
 * Whether the arrays and objects of a whole JSON text nest deeper than
 * `limit`, in one pass that stops at the first level too deep. JSON.parse
 * takes seconds on a few MiB of nested brackets and cannot be interrupted,
 * so a body whose shape cannot be valid is refused before it is parsed;
 * anything else wrong with the text is left to JSON.parse.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  try {
    new JsonNestingGuard(limit).push(new TextEncoder().encode(text));
  } catch (err) {
    if (err instanceof JsonNestingError) return err.reason === 'depth';
    throw err;
  }
  return false;
}
