import { WireError } from './errors.ts';
import { str } from './guards.ts';

/**
 * Who a scan is about: one user, group or channel of a provider's service,
 * written `user:<id>`, `group:<id>` or `channel:<id>` (docs/PROTOCOL.md,
 * "Subject references"). Ids are the provider's own identifiers, opaque to
 * hashfeed: printable ASCII without white space, 1 to 128 characters.
 */
export const SUBJECT_KINDS = ['user', 'group', 'channel'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const SUBJECT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** kind ':' id; the id may itself contain ':' (the first one separates). */
export const SUBJECT_REF_PATTERN = /^(user|group|channel):[\x21-\x7e]{1,128}$/;
export const MAX_SUBJECT_REF_LENGTH = 'channel:'.length + 128;

export interface SubjectRef {
  readonly kind: SubjectKind;
  readonly id: string;
}

function isSubjectKind(value: string): value is SubjectKind {
  return SUBJECT_KINDS.some((kind) => kind === value);
}

/** Parses `kind:id`; throws WIRE_BAD_FIELD naming `what`, never echoing the value (it identifies a person). */
export function parseSubjectRef(value: unknown, what: string): SubjectRef {
  if (typeof value !== 'string' || value.length > MAX_SUBJECT_REF_LENGTH || !SUBJECT_REF_PATTERN.test(value)) {
    throw new WireError('WIRE_BAD_FIELD', `${what} must be user:<id>, group:<id> or channel:<id> with an id of 1 to 128 printable ASCII characters`);
  }
  const colon = value.indexOf(':');
  const kind = value.slice(0, colon);
  if (!isSubjectKind(kind)) throw new WireError('WIRE_BAD_FIELD', `${what} has an unknown kind`);
  return { kind, id: value.slice(colon + 1) };
}

export function formatSubjectRef(ref: SubjectRef): string {
  return `${ref.kind}:${ref.id}`;
}

/** A subject id (inside a target list): printable ASCII, no white space, 1 to 128 characters. */
export function subjectId(value: unknown, what: string): string {
  return str(value, what, 128, SUBJECT_ID_PATTERN);
}
