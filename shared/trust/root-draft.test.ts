import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, generateSigningKey } from '../crypto/index.ts';
import { CodedError } from '../errors.ts';
import { walkRootChain } from './root-chain.ts';
import { encodeRootDocument, ROOT_PAYLOAD_TYPE, signRootDocument, type RootDocument } from './root-document.ts';
import { createRootDraft, encodeRootDraft, parseRootDraft, rootDraftEnvelope, rootDraftStatus, signRootDraft } from './root-draft.ts';

const [a, b, c] = [1, 2, 3].map((i) => generateSigningKey(`hashfeed/test/root-${i}`));
if (a === undefined || b === undefined || c === undefined) throw new Error('keys');
const v1: RootDocument = { feed: 'test', version: 1, issuedAt: 0, rootKeys: [a.verifier, b.verifier], rootThreshold: 2, keys: [], revoked: [] };
const v2: RootDocument = { ...v1, version: 2, issuedAt: 1, rootKeys: [b.verifier, c.verifier], rootThreshold: 1 };
const previous = signRootDocument(v1, [a, b]);
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CodedError ? err.code : String(err);
  }
};

describe('root draft', () => {
  it('collects offline signatures through its JSON file until both thresholds are met, then makes an envelope clients accept', () => {
    let draft = parseRootDraft(encodeRootDraft(createRootDraft(encodeRootDocument(v2), previous)));
    expect(draft.summary).toEqual(['root version 1 -> 2 of feed \'test\'', `adds root key ${c.verifier.text}`, `removes root key ${a.verifier.text}`, 'root threshold 2 -> 1 of 2']);
    draft = parseRootDraft(encodeRootDraft(signRootDraft(draft, c)));
    expect(rootDraftStatus(draft)).toMatchObject({ complete: false, previousSigners: [], ownSigners: [c.verifier] });
    draft = parseRootDraft(encodeRootDraft(signRootDraft(signRootDraft(draft, a), a)));
    expect(draft.signatures).toHaveLength(2);
    expect(rootDraftStatus(draft).complete).toBe(false);
    draft = signRootDraft(draft, b);
    expect(rootDraftStatus(draft).complete).toBe(true);
    expect(walkRootChain({ keys: [a.verifier, b.verifier], threshold: 2 }, null, [previous, rootDraftEnvelope(draft)]).root.document.version).toBe(2);
  });

  it('refuses a key of neither root', () => {
    const stranger = generateSigningKey('hashfeed/test/root-9');
    expect(code(() => signRootDraft(createRootDraft(encodeRootDocument(v2), previous), stranger))).toBe('ROOT_DRAFT_NOT_A_HOLDER');
  });

  const valid = JSON.parse(encodeRootDraft(signRootDraft(createRootDraft(encodeRootDocument(v2), previous), b))) as Record<string, unknown>;
  it.each<[string, string]>([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another format', JSON.stringify({ ...valid, format: 'x' })],
    ['a payload that is not base64', JSON.stringify({ ...valid, payload: 'not base64!' })],
    ['a signature without a key ID', JSON.stringify({ ...valid, signatures: [{ sig: 'AAAA' }] })],
    ['too many signatures', JSON.stringify({ ...valid, signatures: Array.from({ length: 17 }, () => ({ keyId: '00000000', sig: 'AAAA' })) })],
    ['a summary that is not text', JSON.stringify({ ...valid, summary: [1] })],
  ])('refuses %s with ROOT_DRAFT_MALFORMED', (_, text) => {
    expect(code(() => parseRootDraft(text))).toBe('ROOT_DRAFT_MALFORMED');
  });

  describe('when the previous root in the draft is not what its root keys signed', () => {
    // The holder's tool shows the change computed from `previous`: an edited one hides what the payload changes.
    const rewrite = (previousBytes: Uint8Array): string => JSON.stringify({ ...valid, previous: Buffer.from(previousBytes).toString('base64') });
    const disguised: RootDocument = { ...v1, rootKeys: [b.verifier, c.verifier], rootThreshold: 1 };

    it('refuses a previous root whose document was edited after it was signed', () => {
      const edited = encodeEnvelope({ payloadType: ROOT_PAYLOAD_TYPE, payload: encodeRootDocument(disguised), signatures: decodeEnvelope(previous).signatures });
      expect(code(() => rootDraftStatus(parseRootDraft(rewrite(edited))))).toBe('ROOT_DRAFT_MALFORMED');
    });

    it('refuses a previous root the proposal does not follow', () => {
      const unrelated = signRootDocument({ ...v1, version: 7 }, [a, b]);
      expect(code(() => rootDraftStatus(parseRootDraft(rewrite(unrelated))))).toBe('ROOT_DRAFT_MALFORMED');
    });
  });

  it('refuses a signature that does not verify', () => {
    const signatures = valid.signatures as { keyId: string; sig: string }[];
    const forged = { ...valid, signatures: signatures.map((s) => ({ ...s, sig: Buffer.alloc(64, 1).toString('base64') })) };
    expect(code(() => rootDraftStatus(parseRootDraft(JSON.stringify(forged))))).toBe('ROOT_DRAFT_BAD_SIGNATURE');
  });
});
