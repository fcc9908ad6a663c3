import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../testing/vectors.ts';
import { hashLeaf } from './hash.ts';
import { MerkleTree, rootFromLeafHashes } from './tree.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';
import { codeOf as sharedCodeOf } from '../testing/code-of.ts';

/** Conformance against transparency-dev/merkle's vectors (../shared/vectors/merkle). */

const dir = vectorsDir('merkle');

function jsonFiles(root: string): string[] {
  return readdirSync(root)
    .sort()
    .flatMap((name) => {
      const path = join(root, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

function field(record: unknown, name: string): unknown {
  if (typeof record !== 'object' || record === null) throw new Error('vector is not an object');
  return Object.getOwnPropertyDescriptor(record, name)?.value;
}

function num(record: unknown, name: string): number {
  const value = field(record, name);
  if (typeof value !== 'number') throw new Error(`vector field ${name} is not a number`);
  return value;
}

function b64(record: unknown, name: string): Uint8Array {
  const value = field(record, name);
  if (typeof value !== 'string') throw new Error(`vector field ${name} is not a string`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function b64List(record: unknown, name: string): Uint8Array[] {
  const value = field(record, name);
  if (value === null) return [];
  if (!Array.isArray(value)) throw new Error(`vector field ${name} is not an array`);
  return value.map((item: unknown) => {
    if (typeof item !== 'string') throw new Error(`vector field ${name} holds a non-string`);
    return new Uint8Array(Buffer.from(item, 'base64'));
  });
}

function wantErr(record: unknown): boolean {
  const value = field(record, 'wantErr');
  if (typeof value !== 'boolean') throw new Error('vector lacks wantErr');
  return value;
}

/** 'accepted', or the MerkleError code; anything else fails the test. */
const outcome = (fn: () => void): string => sharedCodeOf(fn) ?? 'accepted';

function hexList(record: unknown, name: string): string[] {
  const value = field(record, name);
  if (!Array.isArray(value)) throw new Error(`vector field ${name} is not an array`);
  return value.map((item: unknown) => {
    if (typeof item !== 'string' || !/^([0-9a-f]{2})*$/.test(item)) throw new Error(`vector field ${name} holds a non-hex item`);
    return item;
  });
}

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe.skipIf(dir === null)('the transparency-dev Merkle vectors', () => {
  const base = dir ?? '';
  const inclusion = dir === null ? [] : jsonFiles(join(base, 'testdata', 'inclusion'));
  const consistency = dir === null ? [] : jsonFiles(join(base, 'testdata', 'consistency'));

  it('are all present (196 files: 98 inclusion, 98 consistency)', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
  });

  describe('testdata/inclusion', () => {
    it.each(inclusion.map((path) => [relative(base, path), path]))('%s', (_, path) => {
      const vector: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const result = outcome(() =>
        verifyInclusion({
          leafIndex: num(vector, 'leafIdx'),
          treeSize: num(vector, 'treeSize'),
          leafHash: b64(vector, 'leafHash'),
          proof: b64List(vector, 'proof'),
          rootHash: b64(vector, 'root'),
        }),
      );
      if (wantErr(vector)) expect(result).not.toBe('accepted');
      else expect(result).toBe('accepted');
    });
  });

  describe('testdata/consistency', () => {
    it.each(consistency.map((path) => [relative(base, path), path]))('%s', (_, path) => {
      const vector: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const result = outcome(() =>
        verifyConsistency({
          size1: num(vector, 'size1'),
          size2: num(vector, 'size2'),
          root1: b64(vector, 'root1'),
          root2: b64(vector, 'root2'),
          proof: b64List(vector, 'proof'),
        }),
      );
      if (wantErr(vector)) expect(result).not.toBe('accepted');
      else expect(result).toBe('accepted');
    });
  });

  describe('roots.json', () => {
    const roots: unknown = dir === null ? {} : JSON.parse(readFileSync(join(base, 'roots.json'), 'utf8'));
    const leafInputs = dir === null ? [] : hexList(roots, 'leafInputs').map(hex);
    const rootsBySize = dir === null ? [] : hexList(roots, 'rootsBySize');
    const leafHashes = leafInputs.map(hashLeaf);

    it.each(rootsBySize.map((root, size) => [size, root]))('gives the root of the first %i leaves', (size, root) => {
      expect(Buffer.from(rootFromLeafHashes(leafHashes.slice(0, size))).toString('hex')).toBe(root);
      expect(Buffer.from(new MerkleTree({ getLeafHash: (i) => leafHashes[i] ?? new Uint8Array(0) }, { cacheMinLevel: 1 }).rootHash(size)).toString('hex')).toBe(root);
    });

    it('yields inclusion and consistency proofs for every size that verify against these roots', () => {
      const tree = MerkleTree.fromLeafHashes(leafHashes, { cacheMinLevel: 0 });
      const rootOf = (size: number): Uint8Array => hex(rootsBySize[size] ?? '');
      for (let size = 1; size < rootsBySize.length; size++) {
        for (let index = 0; index < size; index++) {
          const leafHash = leafHashes[index] ?? new Uint8Array(0);
          verifyInclusion({ leafIndex: index, treeSize: size, leafHash, proof: tree.inclusionProof(index, size), rootHash: rootOf(size) });
        }
        for (let size1 = 1; size1 <= size; size1++) {
          verifyConsistency({ size1, size2: size, root1: rootOf(size1), root2: rootOf(size), proof: tree.consistencyProof(size1, size) });
        }
      }
    });
  });
});
