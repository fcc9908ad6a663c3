import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, verifyEnvelope } from '../../shared/crypto/index.ts';
import { decodeReport, REPORT_PAYLOAD_TYPE, REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { buildReport, signReport, type ReportInput } from './build.ts';

const input = (overrides: Partial<ReportInput> = {}): ReportInput => ({
  provider: 'example-host',
  orderId: 'DE-1',
  match: { indicatorIds: [42, 7, 42], algorithm: 'pdq', distance: 10 },
  surface: 'public-posts',
  subject: 'user:u-1',
  detectedAt: 1_800_000_000_000,
  preview: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
  replicaVersion: 5,
  stale: true,
  ...overrides,
});

describe('building a report', () => {
  describe('from a match', () => {
    it('gives a fresh random id, sorted distinct indicators and the package version', () => {
      const report = buildReport(input());
      expect(report.reportId).toMatch(REPORT_ID_PATTERN);
      expect(buildReport(input()).reportId).not.toBe(report.reportId);
      expect(report.indicatorIds).toEqual([7, 42]);
      const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      expect(report.sidecarVersion).toBe(typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'version') : undefined);
      expect(report).toMatchObject({ provider: 'example-host', orderId: 'DE-1', stale: true, replicaVersion: 5 });
    });
  });

  describe('from input the Centre would refuse', () => {
    it.each([
      ['a bad subject', { subject: 'u-1' }],
      ['no indicators', { match: { indicatorIds: [], algorithm: 'pdq', distance: 1 } }],
      ['a detailed preview', { preview: `~${'0'.repeat(35)}` }],
      ['a bad surface id', { surface: 'a b' }],
    ])('fails with REPORT_INVALID on %s', (_name, overrides) => {
      expect(() => buildReport(input(overrides))).toThrow(expect.objectContaining({ code: 'REPORT_INVALID' }));
    });
  });

  describe('signing', () => {
    it("gives an envelope that verifies under the provider's key and decodes to the report", () => {
      const key = generateSigningKey('hashfeed/provider-sidecar');
      const report = buildReport(input());
      const payload = verifyEnvelope(signReport(report, key), REPORT_PAYLOAD_TYPE, [key.verifier]);
      expect(decodeReport(payload)).toEqual(report);
    });
  });
});
