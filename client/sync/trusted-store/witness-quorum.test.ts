import { describe, expect, it } from 'vitest';
import { generateSigningKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../../shared/crypto/index.ts';
import { cosignCheckpoint, signCheckpoint } from '../../../shared/note/index.ts';
import { codeOf } from '../../../shared/testing/code-of.ts';
import { checkWitnessQuorum } from './rules.ts';

const origin = 'hashfeed/eu-centre';
const logKey = generateSigningKey(origin);
const witnesses = [1, 2, 3].map((i) => generateSigningKey(`witness.example/w${i}`, { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }));
const [w1, w2, w3] = witnesses;
const keys = witnesses.map((w) => w.verifier);
const checkpoint = (size: number): string => signCheckpoint({ origin, size, rootHash: new Uint8Array(32).fill(size), extensions: [] }, logKey);
const cosign = (note: string, ...by: typeof witnesses): string => by.reduce((n, w) => cosignCheckpoint(n, w, 1_800_000_000), note);
/** The last signature line of `note` with its last byte flipped: same name and key ID, a signature that fails. */
const spoilLast = (note: string): string => {
  const lines = note.split('\n');
  const line = lines[lines.length - 2] ?? '';
  const space = line.lastIndexOf(' ');
  const bytes = Buffer.from(line.slice(space + 1), 'base64');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  lines[lines.length - 2] = `${line.slice(0, space + 1)}${bytes.toString('base64')}`;
  return lines.join('\n');
};
/** A cosignature line `w` made over another checkpoint, moved onto `note`. */
const moved = (note: string, w: (typeof witnesses)[number]): string => note + (cosign(checkpoint(99), w).split('\n').at(-2) ?? '') + '\n';

describe('checkWitnessQuorum (PROTOCOL 9.3 step 6a)', () => {
  if (w1 === undefined || w2 === undefined || w3 === undefined) throw new Error('three witnesses');
  const cases: readonly { name: string; note: () => string; quorum: number; accepted: boolean }[] = [
    { name: 'no cosignature, quorum 0', note: () => checkpoint(5), quorum: 0, accepted: true },
    { name: 'no cosignature, quorum 1', note: () => checkpoint(5), quorum: 1, accepted: false },
    { name: 'two of three, quorum 2', note: () => cosign(checkpoint(5), w1, w3), quorum: 2, accepted: true },
    { name: 'one of three, quorum 2', note: () => cosign(checkpoint(5), w2), quorum: 2, accepted: false },
    { name: 'the same witness twice, quorum 2', note: () => cosign(checkpoint(5), w1, w1), quorum: 2, accepted: false },
    { name: 'a spoilt line beside a valid one, quorum 1', note: () => spoilLast(cosign(checkpoint(5), w1, w2)), quorum: 1, accepted: true },
    { name: 'a spoilt line beside a valid one, quorum 2', note: () => spoilLast(cosign(checkpoint(5), w1, w2)), quorum: 2, accepted: false },
    { name: 'a cosignature of another checkpoint, quorum 1', note: () => moved(checkpoint(5), w1), quorum: 1, accepted: false },
    { name: 'a witness not configured, quorum 1', note: () => cosign(checkpoint(5), generateSigningKey('witness.example/w1', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 })), quorum: 1, accepted: false },
  ];

  it.each(cases)('$name: accepted $accepted', ({ note, quorum, accepted }) => {
    expect(codeOf(() => checkWitnessQuorum(note(), keys, quorum))).toBe(accepted ? undefined : 'SYNC_WITNESS_QUORUM');
  });
});
