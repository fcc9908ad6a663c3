import { describe, expect, it } from 'vitest';
import { thrown } from '../../shared/testing/code-of.ts';
import { IngestError } from './errors.ts';
import { LineSplitter, lines, MAX_LINE_BYTES } from './lines.ts';

const MiB = 1 << 20;
const CHUNK = 64 * 1024;

/** `total` bytes of lines of `lineBytes` (newline included), in CHUNK-sized pieces that cut lines anywhere. */
function* stream(total: number, lineBytes: number): Generator<Uint8Array> {
  const pattern = Buffer.alloc(lineBytes, 'a');
  pattern[lineBytes - 1] = 0x0a;
  const period = Buffer.concat(Array.from({ length: Math.ceil((CHUNK + lineBytes) / lineBytes) }, () => pattern));
  for (let sent = 0; sent < total; sent += CHUNK) {
    const offset = sent % lineBytes;
    yield period.subarray(offset, offset + Math.min(CHUNK, total - sent));
  }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('LineSplitter', () => {
  describe('when 100 MB of lines arrive in chunks that cut lines anywhere', () => {
    it('examines each byte once (linear work, whatever the line length)', () => {
      for (const lineBytes of [100, MAX_LINE_BYTES - 1]) {
        const splitter = new LineSplitter();
        let count = 0;
        for (const chunk of stream(100 * MiB, lineBytes + 1)) count += splitter.push(chunk).length;
        expect(splitter.scannedBytes).toBe(100 * MiB);
        expect(count + (splitter.end() === undefined ? 0 : 1)).toBe(Math.ceil((100 * MiB) / (lineBytes + 1)));
      }
    });
  });

  describe('when one line of 100 MB arrives', () => {
    it('refuses it as soon as it passes the cap, having examined no more than the cap and one chunk', () => {
      const splitter = new LineSplitter();
      const chunk = Buffer.alloc(CHUNK, 'x');
      const err = thrown(() => {
        for (let sent = 0; sent < 100 * MiB; sent += CHUNK) splitter.push(chunk);
      });
      expect(err).toBeInstanceOf(IngestError);
      expect(err).toMatchObject({ code: 'INGEST_MALFORMED', rows: [{ line: 1, code: 'ROW_MALFORMED', message: `line 1 is longer than ${MAX_LINE_BYTES} bytes` }] });
      expect(splitter.scannedBytes).toBeLessThanOrEqual(MAX_LINE_BYTES + CHUNK);
    });
  });

  describe('when lines end in CRLF, split a UTF-8 character across chunks, or lack a final newline', () => {
    it('returns each line whole, numbered, without CR', async () => {
      const body = Buffer.from('a,b\r\nré\nlast', 'utf8');
      const cut = body.indexOf(0xc3) + 1; // inside the two bytes of 'é'
      async function* chunks(): AsyncGenerator<Uint8Array> {
        yield body.subarray(0, cut);
        yield body.subarray(cut);
      }
      const out: [number, string][] = [];
      for await (const { line, bytes } of lines(chunks())) out.push([line, text(bytes)]);
      expect(out).toEqual([[1, 'a,b'], [2, 'ré'], [3, 'last']]);
    });
  });
});
