import { decodeBase64, encodeBase64, keyNameProblem } from '../crypto/index.ts';
import { NoteError } from './errors.ts';

/**
 * The C2SP signed-note format (c2sp.org/signed-note): a text ending in a
 * newline, a blank line, then one or more lines
 * `— <key name> <base64(4-byte key ID || signature)>\n` (U+2014 em dash).
 */
export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key ID (big-endian uint32 on the wire). */
  readonly keyId: Uint8Array;
  /** The signature bytes after the key ID (for cosignatures: 8-byte timestamp || signature). */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface NoteLimits {
  /** Cap on the encoded note; default 64 KiB. */
  readonly maxBytes?: number;
  /** Cap on signature lines; default 64 (the spec requires accepting at least 16). */
  readonly maxSignatures?: number;
}

export const DEFAULT_MAX_NOTE_BYTES = 64 * 1024;
export const DEFAULT_MAX_NOTE_SIGNATURES = 64;

const SIGNATURE_PREFIX = '\u2014 ';
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses a signed note strictly: size and signature-count caps
 * (NOTE_TOO_LARGE), valid UTF-8, no control characters but newline, text
 * ending in a newline, a non-empty signature block of well-formed lines,
 * canonical base64 (NOTE_MALFORMED). Nothing is verified: use verifyNote.
 */
export function parseNote(input: Uint8Array | string, limits: NoteLimits = {}): Note {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_NOTE_BYTES;
  const maxSignatures = limits.maxSignatures ?? DEFAULT_MAX_NOTE_SIGNATURES;
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.byteLength > maxBytes) throw new NoteError('NOTE_TOO_LARGE', `note of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`);
  let all: string;
  try {
    all = utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new NoteError('NOTE_MALFORMED', 'note is not valid UTF-8', { cause });
  }
  if (typeof input === 'string' && /\p{Cs}/u.test(input)) throw malformed('note is not valid Unicode');
  const problem = textProblem(all);
  if (problem !== null) throw malformed(`note ${problem}`);

  // The text is separated from the signatures by the last blank line.
  const split = all.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (block === '') throw malformed('note has no signatures');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxSignatures) throw new NoteError('NOTE_TOO_LARGE', `note has ${lines.length} signatures, more than ${maxSignatures}`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** The signed note as text. Checks the text and signature lines as parseNote would. */
export function formatNote(note: Note): string {
  const problem = textProblem(note.text);
  if (problem !== null) throw malformed(`note text ${problem}`);
  if (note.signatures.length === 0) throw malformed('a signed note needs at least one signature');
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

export function formatSignatureLine(signature: NoteSignature): string {
  const problem = keyNameProblem(signature.name);
  if (problem !== null) throw malformed(`invalid key name: ${problem}`);
  if (signature.keyId.byteLength !== 4) throw malformed('a key ID is 4 bytes');
  if (signature.signature.byteLength === 0) throw malformed('empty signature');
  const bytes = new Uint8Array(4 + signature.signature.byteLength);
  bytes.set(signature.keyId, 0);
  bytes.set(signature.signature, 4);
  return `${SIGNATURE_PREFIX}${signature.name} ${encodeBase64(bytes)}\n`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line starts with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('a signature line is "— <key name> <base64>"');
  const name = rest.slice(0, space);
  const problem = keyNameProblem(name);
  if (problem !== null) throw malformed(`signature line has an invalid key name: ${problem}`);
  const bytes = decodeBase64(rest.slice(space + 1));
  if (bytes === null) throw malformed('signature is not canonical padded base64');
  if (bytes.byteLength < 5) throw malformed('signature is shorter than a key ID and one byte');
  return { name, keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
}

/** Why `text` cannot be note text (as a predicate: "must end with a newline"), or null. */
export function textProblem(text: string): string | null {
  if (!text.endsWith('\n')) return 'must end with a newline';
  if (/[\x00-\x09\x0b-\x1f]/.test(text)) return 'contains a control character other than newline';
  if (/\p{Cs}/u.test(text)) return 'is not valid Unicode';
  return null;
}

function malformed(message: string): NoteError {
  return new NoteError('NOTE_MALFORMED', message);
}
