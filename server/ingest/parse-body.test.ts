import { describe, expect, it } from 'vitest';
import { IngestError } from './errors.ts';
import { parseSubmissions, type SubmissionFormat } from './parse-body.ts';

const RULES = { categories: ['A1'], maxRows: 1_000_000 };
const CHUNKS = 1000;

/**
 * CHUNKS chunks of `linesPerChunk` copies of `line`, counting how many were
 * taken: an upload the parser has already refused must not be read on.
 */
function counted(line: string, linesPerChunk: number): { body: AsyncGenerator<Uint8Array>; taken: () => number } {
  const chunk = Buffer.from(`${line}\n`.repeat(linesPerChunk));
  let taken = 0;
  const body = (async function* () {
    for (let i = 0; i < CHUNKS; i++) {
      taken++;
      yield new Uint8Array(chunk);
    }
  })();
  return { body, taken: () => taken };
}

async function refusal(format: SubmissionFormat, body: AsyncIterable<Uint8Array>, rules = RULES): Promise<IngestError> {
  try {
    await parseSubmissions(format, body, rules);
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('expected the upload to be refused');
}

describe('parseSubmissions', () => {
  // 1,000 chunks of 1,000 bad lines each: read whole, csv-parse alone spent about 30 µs on each refused record
  // (and kept every one), so a 256 MiB upload of them would have held a request for half an hour.
  describe.each([
    ['csv', 'a"b,c'],
    ['ndjson', 'x'],
    ['ndjson', '{"algorithm":"pdq"}'],
  ] as const)('when every %s line is bad (%s)', (format, line) => {
    it('refuses the upload once a hundred problems are collected, without reading the rest', async () => {
      const upload = counted(line, 1000);
      const err = await refusal(format, upload.body);
      expect(err.code).toBe('INGEST_INVALID_ROWS');
      expect(err.rows).toHaveLength(100);
      expect(err.message).toContain('100+ invalid rows');
      expect(upload.taken()).toBeLessThan(10);
    });
  });

  describe('when lines that do not parse pass the row cap', () => {
    it('refuses the upload as too many rows, as it does valid ones', async () => {
      const upload = counted('x', 50);
      expect((await refusal('ndjson', upload.body, { ...RULES, maxRows: 20 })).code).toBe('INGEST_TOO_MANY_ROWS');
      expect(upload.taken()).toBe(1);
    });
  });
});
