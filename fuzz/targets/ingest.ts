import fc from 'fast-check';
import { pdq, sha256 } from '../../shared/hashing/registry.ts';
import { IngestError } from '../../server/ingest/errors.ts';
import { parseSubmissions, type SubmissionFormat } from '../../server/ingest/parse-body.ts';
import { hostileTextBytes } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/**
 * Indicator submissions (POST /v1/indicators) in each of the three formats,
 * read as the route reads them: a stream of chunks (the cut points are part of
 * the input), rows checked against the Centre's categories.
 */

const RULES = { categories: ['A1', 'A2', 'B1'], maxRows: 10_000 };

const rows = fc.array(
  fc.record({
    algorithm: fc.constantFrom('pdq', 'sha256'),
    fill: fc.integer({ min: 0, max: 255 }),
    category: fc.constantFrom('A1', 'A2', 'B1'),
    reference: fc.stringMatching(/^[A-Za-z0-9 ,"-]{1,20}$/),
  }),
  { minLength: 1, maxLength: 6 },
).map((list) =>
  list.map((row, i) => {
    const algorithm = row.algorithm === 'pdq' ? pdq : sha256;
    return { algorithm: algorithm.name, hash: algorithm.format(new Uint8Array(algorithm.bits / 8).fill((row.fill + i) % 256)), category: row.category, reference: row.reference };
  }),
);

const csvField = (field: string): string => (/[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);

const BODIES: Readonly<Record<SubmissionFormat, fc.Arbitrary<string>>> = {
  json: rows.map((list) => JSON.stringify(list.length === 1 ? list[0] : list)),
  ndjson: rows.map((list) => list.map((row) => JSON.stringify(row)).join('\n')),
  csv: fc
    .tuple(rows, fc.boolean())
    .map(([list, header]) => [...(header ? ['algorithm,hash,category,reference'] : []), ...list.map((row) => [row.algorithm, row.hash, row.category, row.reference].map(csvField).join(','))].join('\r\n')),
};

async function* chunks(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const to = Math.max(from, Math.min(cut, bytes.length));
    yield bytes.subarray(from, to);
    from = to;
  }
  yield bytes.subarray(from);
}

function ingestTarget(format: SubmissionFormat): ReturnType<typeof defineTarget> {
  return defineTarget({
    name: `ingest-${format}`,
    decoder: `server/ingest/parse-body.ts parseSubmissions('${format}')`,
    input: fc.tuple(hostileTextBytes(BODIES[format]), fc.array(fc.nat({ max: 2048 }), { maxLength: 4 })),
    decode: ([bytes, cuts]: [Uint8Array, number[]]) => parseSubmissions(format, chunks(bytes, cuts), RULES),
    refusals: [IngestError],
  });
}

export const INGEST_TARGETS: readonly RegisteredTarget[] = [ingestTarget('json'), ingestTarget('ndjson'), ingestTarget('csv')];
