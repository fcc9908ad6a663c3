import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../testing/code-of.ts';
import { feedHashLayout } from './hash-layout.ts';
import { encodeMsgpack } from './codec.ts';
import { encodeGroup, groupsFromEntries } from './indicator-group.ts';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot.ts';

const hashLength = feedHashLayout;

function sampleSnapshot(): Snapshot {
  const { groups, categories } = groupsFromEntries([1, 2, 3].map((id) => ({ id, algorithm: 'pdq', hash: randomBytes(32), category: 'A1' })));
  return { feed: 'eu-centre', version: 3, createdAt: 1_790_000_000_000, categories, groups, stateDigest: randomBytes(32), stateDigestVersion: 2, entriesDigest: randomBytes(32), stateAccumulator: randomBytes(2048) };
}

/** The wire map of `snapshot` with `fields` replaced (undefined removes one), encoded. */
function withFields(fields: Record<string, unknown>): Uint8Array {
  const s = sampleSnapshot();
  const wire: Record<string, unknown> = {
    feed: s.feed, version: s.version, createdAt: s.createdAt, categories: s.categories,
    groups: s.groups.map(encodeGroup),
    stateDigest: s.stateDigest, stateDigestVersion: 2, entriesDigest: s.entriesDigest, stateAccumulator: s.stateAccumulator,
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete wire[name];
    else wire[name] = value;
  }
  return encodeMsgpack(wire);
}

describe('snapshot', () => {
  describe('when it carries its accumulator (version 2)', () => {
    it('decodes both carried fields as encoded', () => {
      const snapshot = sampleSnapshot();
      const decoded = decodeSnapshot(encodeSnapshot(snapshot), hashLength, 1 << 20);
      expect(Buffer.from(decoded.stateAccumulator ?? [])).toEqual(Buffer.from(snapshot.stateAccumulator ?? []));
      expect(Buffer.from(decoded.entriesDigest ?? [])).toEqual(Buffer.from(snapshot.entriesDigest ?? []));
    });

    it('decodes the same map with nothing replaced (the control for the refusals below)', () => {
      expect(decodeSnapshot(withFields({}), hashLength, 1 << 20).stateAccumulator?.byteLength).toBe(2048);
    });

    it.each([
      ['an accumulator without its entries digest', { entriesDigest: undefined }],
      ['an entries digest without its accumulator', { stateAccumulator: undefined }],
      ['an accumulator beside a version 1 digest', { stateDigestVersion: undefined }],
      ['an accumulator of the wrong length', { stateAccumulator: randomBytes(2047) }],
      ['an entries digest of the wrong length', { entriesDigest: randomBytes(31) }],
    ])('refuses %s', (_name, fields) => {
      expect(codeOf(() => decodeSnapshot(withFields(fields), hashLength, 1 << 20))).toBe('WIRE_BAD_FIELD');
    });
  });

  describe('when it carries no accumulator (written before the field)', () => {
    it.each([1, 2] as const)('still decodes a version %i snapshot, without the fields', (digestVersion) => {
      const { entriesDigest: _e, stateAccumulator: _a, ...older } = sampleSnapshot();
      const decoded = decodeSnapshot(encodeSnapshot({ ...older, stateDigestVersion: digestVersion }), hashLength, 1 << 20);
      expect([decoded.stateDigestVersion, decoded.stateAccumulator, decoded.entriesDigest]).toEqual([digestVersion, undefined, undefined]);
    });
  });
});
