import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { IngestError } from './errors.ts';
import { MAX_LINE_BYTES } from './lines.ts';

export type CsvRecord = { readonly line: number; readonly fields: string[] } | { readonly line: number; readonly malformed: string };

/** Records that did not parse, held until the next good one is read: past this many, parsing stops. */
export const MAX_PENDING_MALFORMED = 100;

/** Thrown from csv-parse's on_skip to stop it: the records held so far are handed out, then the stream ends. */
class EnoughMalformed extends Error {}

/**
 * The records of a CSV byte stream (RFC 4180, through csv-parse), each with
 * the line it ends on. A record that does not parse (broken quoting) comes
 * back as `malformed` and parsing goes on with the next, until
 * `maxPendingMalformed` of them come without a good record between: then
 * they are handed out and the rest of the stream is not read (the consumer
 * refuses the upload on the first one; csv-parse spends some 30 µs on each,
 * and a 256 MiB upload of nothing else would hold a request for half an
 * hour and keep millions of them). A record longer than a row can be
 * refuses the whole upload, since csv-parse does not recover from that one.
 */
export async function* csvRecords(body: AsyncIterable<Uint8Array>, maxPendingMalformed = MAX_PENDING_MALFORMED): AsyncGenerator<CsvRecord> {
  const skipped: CsvRecord[] = [];
  // on_skip, not the 'skip' event: what it throws stops csv-parse inside the chunk and fails the stream.
  const onSkip = (err: CsvError | undefined): undefined => {
    const line = typeof err?.lines === 'number' ? err.lines : 0;
    if (err?.code === 'CSV_MAX_RECORD_SIZE') {
      const message = `line ${line} is longer than ${MAX_LINE_BYTES} bytes`;
      throw new IngestError('INGEST_MALFORMED', `${message}: no row is that long`, [{ line, code: 'ROW_MALFORMED', message }]);
    }
    skipped.push({ line, malformed: 'the line is not valid CSV' });
    if (skipped.length >= maxPendingMalformed) throw new EnoughMalformed();
    return undefined;
  };
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_BYTES,
    on_skip: onSkip,
  });
  // pipeline, not pipe: an error of the body (413, 408) must fail the parser too.
  pipeline(Readable.from(body), parser, () => {});
  try {
    for await (const item of parser) {
      yield* skipped.splice(0);
      const record: unknown = Reflect.get(item, 'record');
      const line: unknown = Reflect.get(Reflect.get(item, 'info'), 'lines');
      if (!Array.isArray(record) || typeof line !== 'number') throw new IngestError('INGEST_MALFORMED', 'the CSV parser returned an unexpected record');
      yield { line, fields: record.map(String) };
    }
  } catch (err) {
    if (!(err instanceof EnoughMalformed)) throw err;
  }
  yield* skipped.splice(0);
}
