import { describe, expect, it } from 'vitest';
import { generateImage } from '../../fixtures/index.ts';
import { generateSigningKey, verifyEnvelope } from '../../shared/crypto/index.ts';
import type { DetectionOrder } from '../../shared/wire/order.ts';
import { decodeReport, REPORT_PAYLOAD_TYPE } from '../../shared/wire/report.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { ReportQueue } from './queue.ts';
import { Reporter, type MatchReport } from './reporter.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';

const T0 = Date.UTC(2026, 10, 1);
const order: DetectionOrder = sampleOrder(T0, { orderId: 'DE-1' });

describe('reporter', () => {
  const key = generateSigningKey('hashfeed/provider-sidecar');
  const setup = () => {
    const queue = new ReportQueue(openReplicaDatabase(':memory:'));
    let woken = 0;
    const reporter = new Reporter({ provider: 'example-host', key, queue, onQueued: () => woken++ });
    return { queue, reporter, woken: () => woken };
  };
  const match = (content: Uint8Array): MatchReport => ({
    order,
    surfaceId: 'public-posts',
    subject: 'user:u-1',
    match: { indicatorIds: [3], algorithm: 'pdq', distance: 6 },
    content,
    replicaVersion: 4,
    stale: false,
    detectedAt: T0 + 1000,
  });

  describe('on a match in an image', () => {
    it('queues a signed report with a blurhash preview and wakes the deliverer', async () => {
      const { queue, reporter, woken } = setup();
      const image = await generateImage({ family: 'scenes', seed: 11, width: 160, height: 120, format: 'png' });
      const { reportId } = await reporter.report(match(image));
      const [queued] = queue.due(T0 + 1000, 10);
      expect(queued?.reportId).toBe(reportId);
      const report = decodeReport(verifyEnvelope(queued?.envelope ?? new Uint8Array(), REPORT_PAYLOAD_TYPE, [key.verifier]));
      expect(report).toMatchObject({ reportId, provider: 'example-host', orderId: 'DE-1', indicatorIds: [3], subject: 'user:u-1', detectedAt: T0 + 1000, replicaVersion: 4 });
      expect(report.preview).toHaveLength(28);
      expect(woken()).toBe(1);
    });

    it('never puts the content in the report', async () => {
      const { queue, reporter } = setup();
      const image = await generateImage({ family: 'textures', seed: 2, width: 64, height: 64, format: 'png' });
      await reporter.report(match(image));
      const envelope = Buffer.from(queue.due(T0 + 1000, 1)[0]?.envelope ?? []);
      expect(envelope.byteLength).toBeLessThan(600);
      expect(envelope.indexOf(Buffer.from(image.subarray(64, 96)))).toBe(-1);
    });
  });

  describe('on a match in content that is not an image', () => {
    it('queues the report without a preview', async () => {
      const { queue, reporter } = setup();
      await reporter.report(match(new TextEncoder().encode('%PDF-1.7 not an image')));
      const report = decodeReport(verifyEnvelope(queue.due(T0 + 1000, 1)[0]?.envelope ?? new Uint8Array(), REPORT_PAYLOAD_TYPE, [key.verifier]));
      expect(report.preview).toBeNull();
    });
  });
});
