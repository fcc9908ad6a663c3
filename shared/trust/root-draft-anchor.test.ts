import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../crypto/index.ts';
import { CodedError } from '../errors.ts';
import { anchorRootDraft } from './root-draft-anchor.ts';
import { encodeRootDocument, signRootDocument, type RootDocument } from './root-document.ts';
import { createRootDraft } from './root-draft.ts';

const [a, b, c, attacker] = ['root-1', 'root-2', 'root-3', 'root'].map((name) => generateSigningKey(`hashfeed/test/${name}`));
if (a === undefined || b === undefined || c === undefined || attacker === undefined) throw new Error('keys');
const v1: RootDocument = { feed: 'test', version: 1, issuedAt: 0, rootKeys: [a.verifier, b.verifier], rootThreshold: 2, keys: [], revoked: [] };
const v2: RootDocument = { ...v1, version: 2, issuedAt: 1, rootKeys: [b.verifier, c.verifier], rootThreshold: 1 };
const v3: RootDocument = { ...v2, version: 3, issuedAt: 2, rootThreshold: 2 };
const root1 = signRootDocument(v1, [a, b]);
const root2 = signRootDocument(v2, [a, b, c]);
const pin = { keys: [a.verifier, b.verifier], threshold: 2 };

// A forged draft: its `previous` is a version 1 the attacker signed alone, listing only their key, so that the
// proposal (which lists the holder's key, to be signable) shows as "adds root key a, b" instead of "adds the attacker".
const forgedPrevious = signRootDocument({ ...v1, rootKeys: [attacker.verifier], rootThreshold: 1 }, [attacker]);
const forged = createRootDraft(encodeRootDocument({ ...v2, rootKeys: [a.verifier, b.verifier, attacker.verifier] }), forgedPrevious);
const forgedSecond = createRootDraft(encodeRootDocument(v3), signRootDocument({ ...v2, rootKeys: [attacker.verifier, c.verifier] }, [attacker]));

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CodedError ? err.code : String(err);
  }
};

describe('anchorRootDraft', () => {
  describe('when the draft follows the root the holder trusts', () => {
    it.each([
      ['pinned root keys', { pin, roots: [] }, createRootDraft(encodeRootDocument(v2), root1), 1],
      ['a saved root envelope of the same version', { pin: null, roots: [root1] }, createRootDraft(encodeRootDocument(v2), root1), 1],
      ['a saved chain the draft\'s previous root succeeds', { pin, roots: [root1] }, createRootDraft(encodeRootDocument(v3), root2), 2],
      ['a saved chain holding the draft\'s previous root', { pin: null, roots: [root1, root2] }, createRootDraft(encodeRootDocument(v3), root2), 2],
    ] as const)('accepts it against %s', (_, trust, draft, version) => {
      expect(anchorRootDraft(draft, trust).document.version).toBe(version);
    });
  });

  describe('when the draft\'s previous root is self-signed by other keys', () => {
    it.each([
      ['pinned root keys', { pin, roots: [] }, forged],
      ['a saved root envelope of the same version', { pin: null, roots: [root1] }, forged],
      ['a saved root the previous root claims to succeed', { pin, roots: [root1] }, forgedSecond],
      ['a saved chain past the previous root', { pin, roots: [root1, root2] }, forged],
    ] as const)('refuses it against %s with ROOT_DRAFT_UNANCHORED', (_, trust, draft) => {
      expect(code(() => anchorRootDraft(draft, trust))).toBe('ROOT_DRAFT_UNANCHORED');
    });

    it('refuses a previous root older than the roots the holder trusts', () => {
      const chainFrom2 = { pin: { keys: [b.verifier, c.verifier], threshold: 1 }, roots: [root2] };
      expect(code(() => anchorRootDraft(createRootDraft(encodeRootDocument(v2), root1), chainFrom2))).toBe('ROOT_DRAFT_UNANCHORED');
    });
  });
});
