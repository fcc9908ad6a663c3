import { decodeBase64, encodeBase64, keyNameProblem } from '../crypto/index.ts';
import { NoteError } from './errors.ts';

/**
 * A transparency-log checkpoint body (c2sp.org/tlog-checkpoint):
 * `<origin>\n<tree size>\n<base64 root hash>\n`, then optional non-empty
 * extension lines. hashfeed origins are `hashfeed/<feed name>`.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** RFC 6962 root hash of the first `size` leaves, 32 bytes. */
  readonly rootHash: Uint8Array;
  /** Opaque extension lines, without newlines; empty for hashfeed's own checkpoints. */
  readonly extensions: readonly string[];
}

const ORIGIN_PREFIX = 'hashfeed/';
const SIZE_PATTERN = /^(?:0|[1-9][0-9]*)$/;
const ROOT_HASH_BYTES = 32;

/** `hashfeed/<feed name>`; the name must obey the signed-note key name rules, since the log signs under its origin. */
export function feedOrigin(feedName: string): string {
  const origin = `${ORIGIN_PREFIX}${feedName}`;
  const problem = feedName === '' ? 'the feed name is empty' : keyNameProblem(origin);
  if (problem !== null) throw new NoteError('CHECKPOINT_MALFORMED', `invalid feed name for an origin: ${problem}`);
  return origin;
}

/** The exact note text the log signs. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  checkFields(checkpoint);
  const lines = [checkpoint.origin, String(checkpoint.size), encodeBase64(checkpoint.rootHash), ...checkpoint.extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * Parses checkpoint note text (already verified by verifyNote): at least
 * three non-empty lines; the size in decimal without leading zeros and at
 * most 2^53 - 1; the root hash canonical base64 of 32 bytes.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) throw malformed('a checkpoint has at least three lines');
  if (!SIZE_PATTERN.test(sizeText)) throw malformed('checkpoint size must be decimal without leading zeros');
  const size = Number(sizeText);
  const rootHash = decodeBase64(rootText);
  if (rootHash === null || rootHash.byteLength !== ROOT_HASH_BYTES) throw malformed('checkpoint root hash must be base64 of 32 bytes');
  const checkpoint = { origin, size, rootHash, extensions };
  checkFields(checkpoint);
  return checkpoint;
}

function checkFields(checkpoint: Checkpoint): void {
  if (checkpoint.origin === '' || checkpoint.origin.includes('\n')) throw malformed('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw malformed('checkpoint size must be an integer from 0 to 2^53 - 1');
  if (checkpoint.rootHash.byteLength !== ROOT_HASH_BYTES) throw malformed('checkpoint root hash must be 32 bytes');
  for (const line of checkpoint.extensions) {
    if (line === '' || line.includes('\n')) throw malformed('checkpoint extension lines must be non-empty single lines');
  }
}

function malformed(message: string): NoteError {
  return new NoteError('CHECKPOINT_MALFORMED', message);
}
