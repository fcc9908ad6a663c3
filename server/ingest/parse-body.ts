import type { Submission } from '../store/indicators.ts';
import { csvRecords } from './csv-records.ts';
import { IngestError } from './errors.ts';
import { nestsDeeperThan } from '../../shared/json-nesting.ts';
import { lines } from './lines.ts';
import { MAX_REPORTED_PROBLEMS, SUBMISSION_FIELDS, SubmissionCollector, type RowRules } from './submission-rows.ts';
import { quote } from '../../shared/quote.ts';
import { TimeSlice } from './time-slice.ts';

export type SubmissionFormat = 'json' | 'ndjson' | 'csv';

/** How long parsing may hold the event loop before it lets other requests run. */
const SLICE_MS = 10;

export function formatFromContentType(contentType: string | undefined): SubmissionFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return 'json';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/ndjson') return 'ndjson';
  if (type === 'text/csv') return 'csv';
  throw new IngestError('INGEST_UNSUPPORTED_TYPE', `content type ${quote(type)} is not accepted: use application/json, application/x-ndjson or text/csv`);
}

/**
 * Reads a submission body. NDJSON and CSV are parsed as streams, in linear
 * time, one line held at a time, so they carry the large uploads. JSON (one
 * object or an array of them) is parsed whole, so the body guard caps it
 * like any JSON body (maxJsonBodyBytes) and nesting deeper than an array of
 * objects is refused before parsing. Every loop yields to other requests
 * every few milliseconds, and a hundred bad rows refuse the upload without
 * reading the rest.
 */
export async function parseSubmissions(format: SubmissionFormat, body: AsyncIterable<Uint8Array>, rules: RowRules): Promise<Submission[]> {
  const collector = new SubmissionCollector(rules);
  const slice = new TimeSlice(SLICE_MS);
  const pace = async (): Promise<void> => {
    if (slice.spent()) await slice.next();
  };
  if (format === 'json') {
    const value = parseJsonSubmission(await readText(body));
    const items: unknown[] = Array.isArray(value) ? value : [value];
    for (let i = 0; i < items.length; i++) {
      collector.add(i + 1, items[i]);
      await pace();
    }
  } else if (format === 'ndjson') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for await (const { line, bytes } of lines(body)) {
      await pace();
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        collector.malformed(line, 'the line is not valid UTF-8');
        continue;
      }
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        collector.malformed(line, 'the line is not valid JSON');
        continue;
      }
      collector.add(line, value);
    }
  } else {
    let first = true;
    // The collector refuses at its problem cap, so the parser need hold no more bad records than that.
    for await (const record of csvRecords(body, MAX_REPORTED_PROBLEMS)) {
      await pace();
      if ('malformed' in record) {
        collector.malformed(record.line, record.malformed);
        continue;
      }
      const { line, fields } = record;
      if (first && fields.join(',') === SUBMISSION_FIELDS.join(',')) {
        first = false;
        continue;
      }
      first = false;
      if (fields.length !== SUBMISSION_FIELDS.length) {
        collector.malformed(line, `expected ${SUBMISSION_FIELDS.length} fields (${SUBMISSION_FIELDS.join(',')}), found ${fields.length}`);
        continue;
      }
      collector.add(line, Object.fromEntries(SUBMISSION_FIELDS.map((name, i) => [name, fields[i]])));
    }
  }
  return collector.finish();
}

/**
 * A submission is an object or an array of objects; a video row's `frames`
 * adds three levels (the CLI's output object, its frames array, a frame),
 * a row's crop `variants` two (an array of variant objects): five at most.
 */
function parseJsonSubmission(text: string): unknown {
  if (nestsDeeperThan(text, 5)) {
    throw new IngestError('INGEST_MALFORMED', 'the JSON nests deeper than an array of rows whose frames are a frame list');
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IngestError('INGEST_MALFORMED', 'the body is not valid JSON', [], { cause });
  }
}

/** The whole body as text; its size is the body guard's cap. */
async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch (cause) {
    throw new IngestError('INGEST_MALFORMED', 'the body is not valid UTF-8', [], { cause });
  }
}
