import { decodeEnvelope } from '../../../../shared/crypto/index.ts';
import { decodeRootDocument, KEY_PURPOSES, type RootDocument } from '../../../../shared/trust/index.ts';
import { encodeRootList } from '../../../../shared/wire/delta-chain.ts';
import { decodeForwardingRecord } from '../../../../shared/wire/forwarding-record.ts';
import type { Centre } from '../../../centre.ts';
import type { InboxItem } from '../../../store/forwarding.ts';

export const CUSTODY_FILE_FORMAT = 'hashfeed/chain-of-custody/v1';

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * A report's chain of custody as a file a recipient keeps: each inbox item
 * of the report with its two envelopes exactly as GET /v1/inbox/reports
 * serves them (base64), and what checks them: the Centre's root chain
 * (`roots`, a GET /v1/feed/keys body in base64) and, for reading, the
 * verifier keys involved. Shaped as a saved inbox page, so that
 * `hashfeed verify-report FILE --root-key KEY` checks it as it is; the
 * root key is the one the recipient pinned, never the file's say-so.
 */
export function custodyFile(centre: Centre, reportId: string, items: readonly InboxItem[], now: number): Record<string, unknown> {
  // The Centre's own rows: each root was verified as a link of the chain when it was installed.
  const roots = centre.keyring.roots.envelopes();
  const documents: RootDocument[] = roots.map((envelope) => decodeRootDocument(decodeEnvelope(envelope).payload));
  const forwardingKeys = documents.flatMap((document) => document.keys.filter((key) => key.purpose === KEY_PURPOSES.forwarding).map((key) => key.verifierKey));
  return {
    format: CUSTODY_FILE_FORMAT,
    reportId,
    exportedAt: new Date(now).toISOString(),
    verify: 'hashfeed verify-report FILE --root-key KEY, where KEY is the Centre root key you pinned (docs/PROTOCOL.md 11.5)',
    reports: items.map((item) => {
      const envelope = decodeEnvelope(item.recordEnvelope);
      const record = decodeForwardingRecord(envelope.payload);
      const signers = new Set(envelope.signatures.map((signature) => signature.keyId));
      return {
        reportId: item.reportId,
        decision: item.decision,
        decidedAt: item.decidedAt,
        deliveredAt: item.deliveredAt,
        ackedAt: item.ackedAt,
        purgedAt: item.purgedAt,
        report: item.reportEnvelope === null ? null : base64(item.reportEnvelope),
        record: base64(item.recordEnvelope),
        verifierKeys: {
          provider: record.providerKey,
          forwarding: [...new Set(forwardingKeys.filter((key) => signers.has(key.keyIdHex)).map((key) => key.text))],
        },
      };
    }),
    roots: base64(encodeRootList(roots)),
    rootKeys: documents[0]?.rootKeys.map((key) => key.text) ?? [],
  };
}
