import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { JsonDuplicateKeyError } from '../../client/sidecar/json-keys.ts';
import { readBoundedJson, RequestBodyError } from '../../client/sidecar/read-body.ts';
import { hostileTextBytes } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/**
 * The sidecar's local API reads JSON bodies chunk by chunk through its own
 * guards (nesting depth, repeated member names) and a streaming parser. The
 * chunk boundaries are part of the input, since both guards carry string and
 * escape state across them. Beyond the shared property, what it accepts must
 * be exactly what JSON.parse makes of the whole text.
 */

const LIMITS = { maxBytes: 64 * 1024, timeoutMs: 5000 };

const requests = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"items":[{"surface":"public-posts","subject":"user:u-1","hashes":[{"algorithm":"pdq","hash":"00"}]}]}',
    '{"surface":"a","\\u0073urface":"b"}',
    '{"a":"\\"","a":1}',
    '{"__proto__":{"polluted":true},"constructor":1}',
    '[1,2,{"k":[{"k":{"k":[]}}]}]',
    '"\\ud800"',
    '1e400',
  ),
);

function requestOf(bytes: Uint8Array, cuts: readonly number[]): Request {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const to = Math.max(from, Math.min(cut, bytes.length));
    pieces.push(bytes.slice(from, to));
    from = to;
  }
  pieces.push(bytes.slice(from));
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      const next = pieces.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
  return new Request('http://127.0.0.1/v1/scan', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

/** Where the streaming parser and JSON.parse disagree on an accepted body. */
class ParserDisagreement extends Error {}

export const sidecarJsonBody = defineTarget({
  name: 'sidecar-json-body',
  decoder: 'client/sidecar/read-body.ts readBoundedJson',
  input: fc.tuple(hostileTextBytes(requests), fc.array(fc.nat({ max: 512 }), { maxLength: 4 })),
  decode: async ([bytes, cuts]: [Uint8Array, number[]]) => {
    const value = await readBoundedJson(requestOf(bytes, cuts), LIMITS);
    const whole: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!isDeepStrictEqual(value, whole)) throw new ParserDisagreement('the streaming parser and JSON.parse read the body differently');
    return value;
  },
  // JsonNestingError and JsonDuplicateKeyError are SyntaxErrors, as the parser's own refusals are.
  refusals: [RequestBodyError, JsonDuplicateKeyError, SyntaxError],
});

export const SIDECAR_TARGETS: readonly RegisteredTarget[] = [sidecarJsonBody];
