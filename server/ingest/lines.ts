import { IngestError } from './errors.ts';

/**
 * A row of an upload is a few hundred bytes (an algorithm, a hash, a
 * category, a reference of at most 128 characters), or for a video
 * indicator up to 4096 frames (~270 KB as CSV hex, ~460 KB as NDJSON frame
 * objects); a line past this is not a row, and holding it would let one
 * line fill memory.
 */
export const MAX_LINE_BYTES = 512 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF or CRLF) in linear time: each byte is
 * examined once, when its chunk arrives, and only the unfinished line is
 * held (at most `maxLineBytes`). A longer line refuses the upload at once.
 * Lines are cut on bytes, so a UTF-8 character is never split.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  /** The unfinished line, as the pieces of the chunks it came in. */
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  #lineNumber = 0;
  #scannedBytes = 0;

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Bytes examined so far: equal to the bytes pushed, whatever the line lengths (the tests hold it to that). */
  get scannedBytes(): number {
    return this.#scannedBytes;
  }

  /** The lines `chunk` completes, each with its 1-based number, CR stripped. */
  push(chunk: Uint8Array): { line: number; bytes: Uint8Array }[] {
    const out: { line: number; bytes: Uint8Array }[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(LF, start);
      const end = newline < 0 ? chunk.length : newline;
      this.#scannedBytes += (newline < 0 ? end : newline + 1) - start;
      if (this.#pieceBytes + (end - start) > this.#maxLineBytes) throw this.#tooLong();
      if (newline < 0) {
        this.#pieces.push(chunk.subarray(start));
        this.#pieceBytes += chunk.length - start;
        break;
      }
      out.push(this.#finish(chunk.subarray(start, newline)));
      start = newline + 1;
    }
    return out;
  }

  /** The last line, when the stream does not end with a newline. */
  end(): { line: number; bytes: Uint8Array } | undefined {
    return this.#pieceBytes === 0 ? undefined : this.#finish(new Uint8Array(0));
  }

  #finish(tail: Uint8Array): { line: number; bytes: Uint8Array } {
    this.#lineNumber++;
    let bytes = this.#pieces.length === 0 ? tail : Buffer.concat([...this.#pieces, tail]);
    this.#pieces = [];
    this.#pieceBytes = 0;
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    return { line: this.#lineNumber, bytes };
  }

  #tooLong(): IngestError {
    const line = this.#lineNumber + 1;
    const message = `line ${line} is longer than ${this.#maxLineBytes} bytes`;
    return new IngestError('INGEST_MALFORMED', `${message}: no row is that long`, [{ line, code: 'ROW_MALFORMED', message }]);
  }
}

/** The lines of a byte stream, through a LineSplitter. */
export async function* lines(body: AsyncIterable<Uint8Array>, splitter = new LineSplitter()): AsyncGenerator<{ line: number; bytes: Uint8Array }> {
  for await (const chunk of body) yield* splitter.push(chunk);
  const last = splitter.end();
  if (last !== undefined) yield last;
}
