/** A JSON object names a member twice: which value the policy saw would be a guess (parsers keep the last, a proxy may keep the first). */
export class JsonDuplicateKeyError extends SyntaxError {
  readonly key: string;
  constructor(key: string) {
    super('a JSON object names the same member twice');
    this.key = key;
  }
}

/**
 * A JSON object has a member named `__proto__`: JSON.parse keeps it as a
 * member, while a parser that assigns members (the chunked one, once a body
 * arrives in pieces) makes it the object's prototype, so its fields would
 * reach the policy unseen by a proxy. The local API has no such field.
 */
export class JsonPrototypeKeyError extends SyntaxError {
  constructor() {
    super("a JSON object has a member named '__proto__'");
  }
}

/** Keys longer than this are not compared (the local API's are short, and a longer one is refused as unknown anyway). */
const MAX_KEY_BYTES = 256;

interface Container {
  /** Member names seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  /** In an object, the next string is a member name. */
  expectKey: boolean;
}

/**
 * Watches the bytes of a JSON text as they stream past (beside
 * JsonNestingGuard, which bounds the depth this keeps a frame for) and
 * refuses an object that names a member twice, escapes resolved
 * (`"surface"` and `"\u0073urface"` are the same name), and a member named
 * `__proto__`. Only keys are
 * collected; values are skipped natively, as the nesting guard skips them.
 * Anything else malformed is the parser's to refuse.
 */
export class JsonDuplicateKeyGuard {
  readonly #stack: Container[] = [];
  #inString = false;
  #escaped = false;
  /** The string being read is a member name ... */
  #readingKey = false;
  /** ... whose raw bytes are these (undefined once it is too long to compare). */
  #key: number[] | undefined;

  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at]!;
      if (this.#inString) {
        if (this.#key === undefined && !this.#escaped) {
          // A value, or a name too long to compare: jump to the next quote or backslash natively.
          const quote = chunk.indexOf(0x22, at);
          const backslash = chunk.indexOf(0x5c, at);
          if (quote < 0 && backslash < 0) return;
          at = backslash >= 0 && (quote < 0 || backslash < quote) ? backslash : quote;
          if (chunk[at] === 0x5c) this.#escaped = true;
          else {
            this.#inString = false;
            this.#endKey();
          }
          continue;
        }
        if (this.#escaped) this.#escaped = false;
        else if (byte === 0x5c) this.#escaped = true;
        else if (byte === 0x22) {
          this.#inString = false;
          this.#endKey();
          continue;
        }
        if (this.#key !== undefined) {
          if (this.#key.length < MAX_KEY_BYTES) this.#key.push(byte);
          else this.#key = undefined;
        }
        continue;
      }
      const top = this.#stack[this.#stack.length - 1];
      switch (byte) {
        case 0x22: // quote
          this.#inString = true;
          this.#readingKey = top?.keys !== undefined && top.expectKey;
          this.#key = this.#readingKey ? [] : undefined;
          break;
        case 0x7b: // {
          this.#stack.push({ keys: new Set(), expectKey: true });
          break;
        case 0x5b: // [
          this.#stack.push({ keys: undefined, expectKey: false });
          break;
        case 0x5d: // ]
        case 0x7d: // }
          this.#stack.pop();
          break;
        case 0x2c: // comma
          if (top?.keys !== undefined) top.expectKey = true;
          break;
      }
    }
  }

  #endKey(): void {
    const top = this.#stack[this.#stack.length - 1];
    const raw = this.#key;
    const wasKey = this.#readingKey;
    this.#readingKey = false;
    this.#key = undefined;
    if (!wasKey || top?.keys === undefined) return;
    top.expectKey = false;
    if (raw === undefined) return;
    let key: unknown;
    try {
      key = JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`);
    } catch {
      return; // not a valid string: the parser refuses the text
    }
    if (typeof key !== 'string') return;
    if (key === '__proto__') throw new JsonPrototypeKeyError();
    if (top.keys.has(key)) throw new JsonDuplicateKeyError(key);
    top.keys.add(key);
  }
}
