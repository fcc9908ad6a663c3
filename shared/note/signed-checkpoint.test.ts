import { describe, expect, it } from 'vitest';
import { generateSigningKey, SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519, VerifierKey } from '../crypto/index.ts';
import { hashLeaf, MerkleTree, verifyConsistency } from '../merkle/index.ts';
import { feedOrigin, type Checkpoint } from './checkpoint.ts';
import { cosignatureMessage } from './cosignature.ts';
import { NoteError } from './errors.ts';
import { formatNote, parseNote } from './note.ts';
import { cosignCheckpoint, signCheckpoint, verifyCheckpoint } from './signed-checkpoint.ts';
import { verifyNote } from './verify.ts';
import { thrown } from '../testing/code-of.ts';

const origin = feedOrigin('eu-known');
const log = generateSigningKey(origin);
const w1 = generateSigningKey('witness.example/w1', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
const w2 = generateSigningKey('witness.example/w2', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
const leaves = Array.from({ length: 20 }, (_, i) => hashLeaf(new TextEncoder().encode(`publication ${i}`)));
const tree = MerkleTree.fromLeafHashes(leaves);
const checkpointAt = (size: number): Checkpoint => ({ origin, size, rootHash: tree.rootHash(size), extensions: [] });
const T = 1_700_000_000;

describe('cosignatureMessage', () => {
  it('is "cosignature/v1\\ntime <seconds>\\n" followed by the checkpoint text (tlog-cosignature example)', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(Buffer.from(cosignatureMessage(body, 1679315147)).toString('utf8')).toBe(`cosignature/v1\ntime 1679315147\n${body}`);
  });
});

describe('signed checkpoints', () => {
  describe('when signed by the log and cosigned by witnesses', () => {
    const signed = cosignCheckpoint(cosignCheckpoint(signCheckpoint(checkpointAt(10), log), w1, T), w2, T + 1);

    it('verifies, returning the checkpoint and each witness timestamp', () => {
      const result = verifyCheckpoint(signed, { origin, logKey: log.verifier, witnesses: [w1.verifier, w2.verifier], witnessQuorum: 2 });
      expect(result.checkpoint.size).toBe(10);
      expect(result.checkpoint.rootHash).toEqual(tree.rootHash(10));
      expect(result.cosignatures.map((c) => [c.witness.name, c.timestamp])).toEqual([
        ['witness.example/w1', T],
        ['witness.example/w2', T + 1],
      ]);
    });

    it('lays out a cosignature as key ID, 8-byte big-endian time and a 64-byte signature', () => {
      const line = parseNote(signed).signatures[1];
      expect(line?.name).toBe('witness.example/w1');
      expect(line?.keyId).toEqual(w1.verifier.keyId);
      expect(line?.signature).toHaveLength(72);
      expect(Buffer.from(line?.signature ?? []).readBigUInt64BE(0)).toBe(BigInt(T));
    });

    it('is verifiable by a client that trusts only the log', () => {
      expect(verifyCheckpoint(signed, { origin, logKey: log.verifier }).cosignatures).toEqual([]);
    });

    it('chains to a later checkpoint by a consistency proof', () => {
      const later = verifyCheckpoint(signCheckpoint(checkpointAt(17), log), { origin, logKey: log.verifier }).checkpoint;
      const earlier = verifyCheckpoint(signed, { origin, logKey: log.verifier }).checkpoint;
      verifyConsistency({ size1: earlier.size, size2: later.size, root1: earlier.rootHash, root2: later.rootHash, proof: tree.consistencyProof(10, 17) });
    });
  });

  describe('when it must be rejected', () => {
    const signed = signCheckpoint(checkpointAt(10), log);
    const witnessed = cosignCheckpoint(signed, w1, T);
    const note = parseNote(witnessed);
    const witnessOnly = formatNote({ text: note.text, signatures: note.signatures.slice(1) });
    const [logLine, w1Line] = note.signatures;
    if (logLine === undefined || w1Line === undefined) throw new Error('missing signatures');
    const timeShifted = Uint8Array.from(w1Line.signature);
    timeShifted[7] = (timeShifted[7] ?? 0) ^ 1;
    const backdated = formatNote({ text: note.text, signatures: [logLine, { ...w1Line, signature: timeShifted }] });
    const otherOrigin = signCheckpoint({ ...checkpointAt(10), origin: feedOrigin('other') }, log);
    const impostor = generateSigningKey(origin);

    it.each<[string, string, number, string]>([
      ['it is for another origin', otherOrigin, 0, 'CHECKPOINT_WRONG_ORIGIN'],
      ['only a witness signed it', witnessOnly, 0, 'NOTE_UNVERIFIED'],
      ['a key with the log name but another key signed it', signCheckpoint(checkpointAt(10), impostor), 0, 'NOTE_UNVERIFIED'],
      ['a cosignature timestamp was altered', backdated, 1, 'NOTE_BAD_SIGNATURE'],
      ['too few witnesses cosigned', witnessed, 2, 'COSIGNATURE_QUORUM_NOT_MET'],
    ])('rejects it when %s', (_, input, witnessQuorum, code) => {
      const error = thrown(() => verifyCheckpoint(input, { origin, logKey: log.verifier, witnesses: [w1.verifier, w2.verifier], witnessQuorum }));
      expect(error).toBeInstanceOf(NoteError);
      expect(error).toHaveProperty('code', code);
    });

    it('does not accept a cosignature as a plain signature by the same key bytes', () => {
      // The witness key as an Ed25519 (0x01) key has another key ID, so its line is simply unknown.
      const asPlain = new VerifierKey('witness.example/w1', w1.verifier.publicKey, SIGNATURE_TYPE_ED25519);
      expect(asPlain.keyIdHex).not.toBe(w1.verifier.keyIdHex);
      expect(thrown(() => verifyNote(witnessOnly, [asPlain]))).toHaveProperty('code', 'NOTE_UNVERIFIED');
    });
  });
});
