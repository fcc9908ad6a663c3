import { Readable, pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { IngestError } from './errors.ts';
import { MAX_LINE_BYTES } from './lines.ts';

export type CsvRecord = { readonly line: number; readonly fields: string[] } | { readonly line: number; readonly malformed: string };

/**
 * The records of a CSV byte stream (RFC 4180, through csv-parse), each with
 * the line it ends on. A record that does not parse (broken quoting) comes
 * back as `malformed` and parsing goes on with the next; a record longer
 * than a row can be refuses the whole upload, since csv-parse does not
 * recover from that one.
 */
export async function* csvRecords(body: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_BYTES,
  });
  const skipped: CsvRecord[] = [];
  parser.on('skip', (err: CsvError) => {
    const line = typeof err.lines === 'number' ? err.lines : 0;
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      const message = `line ${line} is longer than ${MAX_LINE_BYTES} bytes`;
      parser.destroy(new IngestError('INGEST_MALFORMED', `${message}: no row is that long`, [{ line, code: 'ROW_MALFORMED', message }]));
    } else {
      skipped.push({ line, malformed: 'the line is not valid CSV' });
    }
  });
  // pipeline, not pipe: an error of the body (413, 408) must fail the parser too.
  pipeline(Readable.from(body), parser, () => {});
  for await (const item of parser) {
    yield* skipped.splice(0);
    const record: unknown = Reflect.get(item, 'record');
    const line: unknown = Reflect.get(Reflect.get(item, 'info'), 'lines');
    if (!Array.isArray(record) || typeof line !== 'number') throw new IngestError('INGEST_MALFORMED', 'the CSV parser returned an unexpected record');
    yield { line, fields: record.map(String) };
  }
  yield* skipped.splice(0);
}
