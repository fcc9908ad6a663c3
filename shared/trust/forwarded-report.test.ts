import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../crypto/index.ts';
import { codeOf } from '../testing/code-of.ts';
import { encodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE, type ForwardingRecord } from '../wire/forwarding-record.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../wire/report.ts';
import { verifyForwardedReport } from './forwarded-report.ts';
import { signRootDocument, type RootDocument } from './index.ts';

const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

describe('verifyForwardedReport', () => {
  const rootKey = generateSigningKey('hashfeed/test/root');
  const forwarding = generateSigningKey('hashfeed/test/forwarding');
  const provider = generateSigningKey('hashfeed/provider/example-host');
  const document: RootDocument = {
    feed: 'test',
    version: 1,
    issuedAt: NOW - DAY,
    rootKeys: [rootKey.verifier],
    rootThreshold: 1,
    keys: [{ verifierKey: forwarding.verifier, purpose: 'forwarding', notBefore: NOW - DAY, notAfter: NOW + DAY }],
    revoked: [],
  };
  const roots = [signRootDocument(document, [rootKey])];
  const pin = { keys: [rootKey.verifier], threshold: 1 };
  const report: Report = {
    reportId: randomUUID(),
    provider: 'example-host',
    orderId: 'DE-2026-1',
    indicatorIds: [1],
    algorithm: 'pdq',
    distance: 4,
    surface: 'uploads',
    subject: 'user:u-1',
    detectedAt: NOW,
    preview: null,
    sidecarVersion: '1.0.0',
    replicaVersion: 1,
    stale: false,
  };
  const chain = (options: { reportSigner?: SigningKey; decidedAt?: number; recordSigner?: SigningKey } = {}) => {
    const reportEnvelope = encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report), [options.reportSigner ?? provider]));
    const record: ForwardingRecord = {
      reportId: report.reportId,
      decision: 'forwarded',
      recipients: [{ account: 'europol', role: 'europol', memberState: null }],
      decidedAt: options.decidedAt ?? NOW,
      provider: 'example-host',
      providerKey: provider.verifier.text,
      reportSha256: new Uint8Array(createHash('sha256').update(reportEnvelope).digest()),
    };
    const recordEnvelope = encodeEnvelope(signEnvelope(FORWARDING_RECORD_PAYLOAD_TYPE, encodeForwardingRecord(record), [options.recordSigner ?? forwarding]));
    return { pin, roots, reportEnvelope, recordEnvelope };
  };

  describe('when the chain holds', () => {
    it('returns the record, the report and the key that signed', () => {
      expect(verifyForwardedReport(chain())).toMatchObject({ record: { reportId: report.reportId }, report: { provider: 'example-host' }, rootVersion: 1, forwardingKey: forwarding.verifier.text });
    });
  });

  describe('when a link fails', () => {
    it.each<[string, Parameters<typeof chain>[0], string]>([
      ['a report signed by another key than the record names', { reportSigner: generateSigningKey('hashfeed/provider/example-host') }, 'CUSTODY_REPORT_UNTRUSTED'],
      ['a record decided after its key expired', { decidedAt: NOW + 2 * DAY }, 'CUSTODY_RECORD_UNTRUSTED'],
      ['a record signed by the root key itself', { recordSigner: rootKey }, 'CUSTODY_RECORD_UNTRUSTED'],
    ])('refuses %s', (_name, options, code) => {
      expect(codeOf(() => verifyForwardedReport(chain(options)))).toBe(code);
    });
  });

  describe('when the record carries two signatures, each failing for its own reason', () => {
    it('refuses a key revoked before decidedAt paired with a key expired by then: no one signer is good at decidedAt', () => {
      const stolen = generateSigningKey('hashfeed/test/forwarding');
      const expired = generateSigningKey('hashfeed/test/forwarding');
      const first: RootDocument = {
        ...document,
        keys: [
          { verifierKey: stolen.verifier, purpose: 'forwarding', notBefore: NOW - DAY, notAfter: NOW + DAY },
          { verifierKey: expired.verifier, purpose: 'forwarding', notBefore: NOW - 3 * DAY, notAfter: NOW - 2 * DAY },
        ],
      };
      const second: RootDocument = {
        ...first,
        version: 2,
        issuedAt: NOW,
        revoked: [{ verifierKey: stolen.verifier, revokedAt: NOW - DAY / 2, reason: 'stolen' }],
      };
      const both = chain({ recordSigner: stolen });
      const record = decodeEnvelope(both.recordEnvelope);
      const recordEnvelope = encodeEnvelope(signEnvelope(FORWARDING_RECORD_PAYLOAD_TYPE, record.payload, [stolen, expired]));
      const input = { ...both, roots: [signRootDocument(first, [rootKey]), signRootDocument(second, [rootKey])], recordEnvelope };
      expect(codeOf(() => verifyForwardedReport(input))).toBe('CUSTODY_RECORD_UNTRUSTED');
    });
  });
});
