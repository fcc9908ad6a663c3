import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { decodeRootDocument, verifyAnchor, verifySuccessor, type RootPin, type TrustedRoot } from '../../shared/trust/index.ts';
import { ROOT_PAGE_BYTES, ROOT_PAGE_LENGTH } from '../../shared/wire/delta-chain.ts';
import type { Db } from '../store/database.ts';

type RootRow = { version: number; envelope: Buffer };

/**
 * The Centre's copy of the root chain (table root_documents, append-only):
 * every version as its root key holders signed it. Nothing is installed
 * unless it verifies as the next link (docs/PROTOCOL.md 4.3), so the chain
 * the Centre serves is one every client accepts.
 */
export class RootStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      latest: db.prepare<[], RootRow>('SELECT version, envelope FROM root_documents ORDER BY version DESC LIMIT 1'),
      latestVersion: db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM root_documents'),
      since: db.prepare<[number], RootRow>('SELECT version, envelope FROM root_documents WHERE version > ? ORDER BY version'),
      insert: db.prepare('INSERT INTO root_documents (version, envelope, issued_at, installed_at) VALUES (?, ?, ?, ?)'),
    };
  }

  /**
   * The newest root. It was verified as a link when installed; it is checked
   * again against its own root keys, so that a damaged row fails loudly
   * instead of naming keys.
   */
  latest(): TrustedRoot | undefined {
    const row = this.#statements.latest.get();
    if (row === undefined) return undefined;
    const envelope = new Uint8Array(row.envelope);
    return verifyAnchor(envelope, ownPin(envelope));
  }

  latestVersion(): number {
    return this.#statements.latestVersion.get()?.v ?? 0;
  }

  /** Envelopes of versions after `since`, oldest first. */
  envelopes(since = 0): Uint8Array[] {
    return this.#statements.since.all(since).map((row) => new Uint8Array(row.envelope));
  }

  /**
   * The first envelopes after `since`: at most ROOT_PAGE_LENGTH, and no more
   * than ROOT_PAGE_BYTES past the first (which always comes), so that an
   * answer stays within what a client reads (docs/PROTOCOL.md 4.3).
   */
  page(since: number): Uint8Array[] {
    const page: Uint8Array[] = [];
    let bytes = 0;
    for (const row of this.#statements.since.iterate(since)) {
      if (page.length > 0 && (page.length >= ROOT_PAGE_LENGTH || bytes + row.envelope.byteLength > ROOT_PAGE_BYTES)) break;
      page.push(new Uint8Array(row.envelope));
      bytes += row.envelope.byteLength;
    }
    return page;
  }

  /**
   * Verifies `envelope` as the successor of the latest root (signed by a
   * threshold of the old root keys and of its own), or, when there is none,
   * as version 1 signed by its own root keys; then appends it. Call inside
   * a write transaction.
   */
  install(envelope: Uint8Array, now: number): TrustedRoot {
    const current = this.latest();
    const root = current === undefined ? verifyAnchor(envelope, ownPin(envelope)) : verifySuccessor(current, envelope);
    if (current === undefined && root.document.version !== 1) throw new RangeError('the first root document must be version 1');
    this.#statements.insert.run(root.document.version, envelope, root.document.issuedAt, now);
    return root;
  }
}

/**
 * The keys a root document names for itself. Read before its signatures are
 * checked, which is sound only here: the result is used solely to check the
 * document against its own keys (the chain rules decide trust).
 */
function ownPin(envelope: Uint8Array): RootPin {
  const document = decodeRootDocument(decodeEnvelope(envelope).payload);
  return { keys: document.rootKeys, threshold: document.rootThreshold };
}
