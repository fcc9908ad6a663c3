import { decodeBase64 } from '../../shared/crypto/index.ts';
import { WitnessError } from './errors.ts';

/** An add-checkpoint request body (c2sp.org/tlog-witness), split but not yet judged. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size, 32-byte hashes. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, as sent. */
  readonly checkpoint: string;
}

/** The spec: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;
/** Body cap: an old size line, 63 proof lines and a checkpoint note (itself capped at 64 KiB) fit well within it. */
export const MAX_REQUEST_BYTES = 72 * 1024;

const OLD_SIZE = /^old (0|[1-9][0-9]{0,15})$/;
const HASH_BYTES = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses `old <size>\n`, zero to 63 base64 hash lines, an empty line, then
 * the checkpoint note. Anything else is WITNESS_MALFORMED (400); the note
 * itself is parsed by the caller, which knows the origin's keys.
 */
export function parseAddCheckpoint(body: Uint8Array): AddCheckpointRequest {
  if (body.byteLength > MAX_REQUEST_BYTES) throw new WitnessError('WITNESS_BODY_TOO_LARGE', `a request body is at most ${MAX_REQUEST_BYTES} bytes`);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (cause) {
    throw new WitnessError('WITNESS_MALFORMED', 'the request body is not UTF-8', { cause });
  }
  const split = text.indexOf('\n\n');
  if (split < 0) throw malformed('the request needs an old size line, proof lines, an empty line, then the checkpoint');
  const [oldLine = '', ...proofLines] = text.slice(0, split).split('\n');
  const oldMatch = OLD_SIZE.exec(oldLine);
  const oldSize = oldMatch === null ? NaN : Number(oldMatch[1]);
  if (!Number.isSafeInteger(oldSize)) throw malformed('the first line is "old <size>", decimal without leading zeros');
  if (proofLines.length > MAX_PROOF_LINES) throw malformed(`at most ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((line, i) => {
    const hash = decodeBase64(line);
    if (hash === null || hash.byteLength !== HASH_BYTES) throw malformed(`proof line ${i + 1} is not base64 of a 32-byte hash`);
    return hash;
  });
  return { oldSize, proof, checkpoint: text.slice(split + 2) };
}

/** The request body a log sends (the Centre's submission, and tests). */
export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  const proof = request.proof.map((hash) => `${Buffer.from(hash).toString('base64')}\n`).join('');
  return `old ${request.oldSize}\n${proof}\n${request.checkpoint}`;
}

function malformed(message: string): WitnessError {
  return new WitnessError('WITNESS_MALFORMED', message);
}
