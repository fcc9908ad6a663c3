import type { Submission } from '../store/indicators.ts';
import { IngestError } from './errors.ts';
import { SUBMISSION_FIELDS, SubmissionCollector, type RowRules } from './submission-rows.ts';
import { quote } from '../../shared/quote.ts';

export type SubmissionFormat = 'json' | 'ndjson' | 'csv';

export function formatFromContentType(contentType: string | undefined): SubmissionFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return 'json';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/ndjson') return 'ndjson';
  if (type === 'text/csv') return 'csv';
  throw new IngestError('INGEST_UNSUPPORTED_TYPE', `content type ${quote(type)} is not accepted: use application/json, application/x-ndjson or text/csv`);
}

/**
 * Reads a submission body. NDJSON and CSV are parsed line by line as the
 * chunks stream in (up to 1M rows without holding the text); JSON (one
 * object or an array) is parsed whole, within the route's body cap.
 */
export async function parseSubmissions(format: SubmissionFormat, body: AsyncIterable<Uint8Array>, rules: RowRules): Promise<Submission[]> {
  const collector = new SubmissionCollector(rules);
  if (format === 'json') {
    const text = await readAll(body);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new IngestError('INGEST_MALFORMED', 'the body is not valid JSON', [], { cause });
    }
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item: unknown, i) => collector.add(i + 1, item));
    return collector.finish();
  }
  let lineNumber = 0;
  for await (const line of lines(body)) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (format === 'ndjson') {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        collector.malformed(lineNumber, 'the line is not valid JSON');
        continue;
      }
      collector.add(lineNumber, value);
    } else {
      const fields = parseCsvLine(line);
      if (fields === undefined) {
        collector.malformed(lineNumber, 'the line is not valid CSV');
        continue;
      }
      if (lineNumber === 1 && fields.join(',') === SUBMISSION_FIELDS.join(',')) continue;
      if (fields.length !== SUBMISSION_FIELDS.length) {
        collector.malformed(lineNumber, `expected ${SUBMISSION_FIELDS.length} fields (${SUBMISSION_FIELDS.join(',')}), found ${fields.length}`);
        continue;
      }
      collector.add(lineNumber, Object.fromEntries(SUBMISSION_FIELDS.map((name, i) => [name, fields[i]])));
    }
  }
  return collector.finish();
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  try {
    for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  } catch (cause) {
    throw new IngestError('INGEST_MALFORMED', 'the body is not valid UTF-8', [], { cause });
  }
}

/** Splits a byte stream into lines (LF or CRLF) without holding more than one partial line. */
export async function* lines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  try {
    for await (const chunk of body) {
      pending += decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl = pending.indexOf('\n', start);
      while (nl >= 0) {
        yield stripCr(pending.slice(start, nl));
        start = nl + 1;
        nl = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
  } catch (cause) {
    throw new IngestError('INGEST_MALFORMED', 'the body is not valid UTF-8', [], { cause });
  }
  if (pending !== '') yield stripCr(pending);
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * One CSV record on one line (RFC 4180 quoting: "a ""quoted"", field");
 * undefined when the quoting is broken. Multi-line fields are not accepted.
 */
export function parseCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const raw = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (raw.includes('"')) return undefined;
      fields.push(raw.trim());
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}
