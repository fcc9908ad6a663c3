import fc from 'fast-check';
import { CodedError } from '../shared/errors.ts';

/** An error class a decoder documents as its refusal (a CodedError subclass, or a documented exception such as JsonNestingError). */
export type Refusal = abstract new (...args: never[]) => Error;

/**
 * One decoder of untrusted input under fuzzing: what it reads, how inputs are
 * made (real encodings mutated, mixed with random bytes or text), and the
 * call. The property every target shares (fuzz/run.ts): the call returns a
 * value or throws one of `refusals` (a CodedError with a stable code); any
 * other exception, a run over the time limit or memory growing without
 * bound is a failure; and where an encoder exists, what was decoded encodes
 * and decodes back to the same thing.
 */
export interface FuzzTarget<Input, Output> {
  /** Stable name, the `--target` value and the row of the table. */
  readonly name: string;
  /** Where the decoder lives: module and function. */
  readonly decoder: string;
  readonly input: fc.Arbitrary<Input>;
  readonly decode: (input: Input) => Output | Promise<Output>;
  readonly refusals: readonly Refusal[];
  /** The encoder, where one exists: decode(encode(value)) must give `value` back (compared through a second encode). */
  readonly encode?: (value: Output) => Input;
  /** A limit per run above the runner's, for a decoder whose work is proportional to what it decodes (pixels). */
  readonly slowMs?: number;
  /** What the runs share (keys, a Centre on real files): made once before the runs, released after, on failure too. */
  readonly open?: () => Promise<void>;
  readonly close?: () => Promise<void>;
}

/** One generated input bound to its target's call (the decoder plus the round trip); fast-check prints it as the input. */
export interface FuzzCase {
  readonly input: unknown;
  readonly run: () => Promise<Outcome>;
}

/** A target with its types erased, as the registry holds it. */
export interface RegisteredTarget {
  readonly name: string;
  readonly decoder: string;
  readonly cases: fc.Arbitrary<FuzzCase>;
  readonly slowMs: number | undefined;
  readonly open: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/** How one run ended: accepted, refused as documented, or a failure (with what went wrong). */
export type Outcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'failed'; readonly reason: string };

const STABLE_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export function defineTarget<Input, Output>(target: FuzzTarget<Input, Output>): RegisteredTarget {
  const check = async (input: Input): Promise<Outcome> => {
    let output: Output;
    try {
      output = await target.decode(input);
    } catch (err) {
      return refusal(err, target.refusals);
    }
    return target.encode === undefined ? { kind: 'accepted' } : roundTrip(target, output, target.encode);
  };
  return {
    name: target.name,
    decoder: target.decoder,
    slowMs: target.slowMs,
    cases: target.input.map((input) => ({ input, run: () => check(input), [fc.toStringMethod]: () => fc.stringify(input) })),
    open: target.open ?? (async () => {}),
    close: target.close ?? (async () => {}),
  };
}

/** A refusal is one of the documented classes; a CodedError among them must carry a stable code. */
function refusal(err: unknown, refusals: readonly Refusal[]): Outcome {
  if (!refusals.some((documented) => err instanceof documented)) return { kind: 'failed', reason: `threw ${describe(err)}` };
  if (err instanceof CodedError) {
    return STABLE_CODE.test(err.code) ? { kind: 'refused', code: err.code } : { kind: 'failed', reason: `threw ${describe(err)} with an unstable code` };
  }
  return { kind: 'refused', code: err instanceof Error ? err.name : 'unknown' };
}

/** decode(encode(value)) must be value: compared as encodings, since decoded values may hold keys with methods. */
async function roundTrip<Input, Output>(target: FuzzTarget<Input, Output>, output: Output, encode: (value: Output) => Input): Promise<Outcome> {
  try {
    const encoded = encode(output);
    const again = encode(await target.decode(encoded));
    return sameEncoding(encoded, again) ? { kind: 'accepted' } : { kind: 'failed', reason: 'decode(encode(x)) differs from x' };
  } catch (err) {
    return { kind: 'failed', reason: `round trip threw ${describe(err)}` };
  }
}

function sameEncoding(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The class, code and first line of an error, cut short: the message may quote hostile input. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return `a non-error (${typeof err})`;
  const code = err instanceof CodedError ? ` ${err.code}` : '';
  return `${err.constructor.name}${code}: ${err.message.split('\n')[0]?.slice(0, 160) ?? ''}`;
}
