import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMsgpack } from './codec.ts';
import { previewComponents } from '../testing/preview.ts';
import { decodeReport, encodeReport, MAX_PREVIEW_LENGTH, parsePreview, type Report } from './report.ts';
import { codeOf } from '../testing/code-of.ts';

const sample = (overrides: Partial<Report> = {}): Report => ({
  reportId: '6f1c2b8e-4d3a-4f7e-9b2c-0a1d2e3f4a5b',
  provider: 'example-host',
  orderId: 'DE-2026-0001',
  indicatorIds: [7, 42],
  algorithm: 'pdq',
  distance: 12,
  surface: 'public-posts',
  subject: 'user:u-1001',
  detectedAt: Date.UTC(2026, 10, 2),
  // 4x3 components, from the blurhash README's example image.
  preview: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
  sidecarVersion: '0.1.0',
  replicaVersion: 3,
  stale: false,
  ...overrides,
});


describe('report', () => {
  describe('when encoded and decoded', () => {
    it('gives back the same report', () => {
      expect(decodeReport(encodeReport(sample()))).toEqual(sample());
    });

    it('keeps a null preview (content that is not a decodable image)', () => {
      expect(decodeReport(encodeReport(sample({ preview: null }))).preview).toBeNull();
    });

    it('fits well under the size cap', () => {
      const big = sample({ indicatorIds: Array.from({ length: 64 }, (_, i) => 4_000_000_000 + i), subject: `channel:${'x'.repeat(128)}` });
      expect(encodeReport(big).byteLength).toBeLessThan(2048);
    });
  });

  describe('when the bytes are hostile', () => {
    const base = (): Record<string, unknown> => ({ ...sample(), indicatorIds: [7, 42] });
    it.each([
      ['an unknown field', { ...base(), image: new Uint8Array(10) }, 'WIRE_UNKNOWN_FIELD'],
      ['a missing field', (() => { const b = base(); delete b.stale; return b; })(), 'WIRE_MISSING_FIELD'],
      ['no indicators', { ...base(), indicatorIds: [] }, 'WIRE_BAD_FIELD'],
      ['indicators out of order', { ...base(), indicatorIds: [42, 7] }, 'WIRE_BAD_FIELD'],
      ['a repeated indicator', { ...base(), indicatorIds: [7, 7] }, 'WIRE_BAD_FIELD'],
      ['an upper-case report id', { ...base(), reportId: '6F1C2B8E-4D3A-4F7E-9B2C-0A1D2E3F4A5B' }, 'WIRE_BAD_FIELD'],
      ['a bad subject', { ...base(), subject: 'u-1001' }, 'WIRE_BAD_FIELD'],
      ['stale as a number', { ...base(), stale: 0 }, 'WIRE_BAD_FIELD'],
      ['a negative distance', { ...base(), distance: -1 }, 'WIRE_BAD_FIELD'],
      ['a detection time in fractional ms', { ...base(), detectedAt: 1.25 }, 'WIRE_BAD_FIELD'],
      ['a preview with 9x9 components', { ...base(), preview: `|${'0'.repeat(3 + 2 * 81)}` }, 'WIRE_BAD_FIELD'],
      ['a preview with 5x1 components', { ...base(), preview: `4${'0'.repeat(3 + 2 * 5)}` }, 'WIRE_BAD_FIELD'],
      ['a preview of the wrong length', { ...base(), preview: 'LEHV6nWB2yk8pyo0adR*.7kCMdn' }, 'WIRE_BAD_FIELD'],
      ['a preview outside base 83', { ...base(), preview: 'LEHV6nWB2yk8pyo0adR*.7kCMd"j' }, 'WIRE_BAD_FIELD'],
      ['a preview as bytes', { ...base(), preview: new Uint8Array(28) }, 'WIRE_BAD_FIELD'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => decodeReport(encodeMsgpack(value)))).toBe(code);
    });

    it('refuses a payload over the cap before decoding it', () => {
      expect(codeOf(() => decodeReport(encodeReport(sample()), 64))).toBe('WIRE_TOO_LARGE');
    });

    it('never throws anything but a coded error on random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          expect(codeOf(() => decodeReport(bytes))).toMatch(/^WIRE_/);
        }),
      );
    });
  });
});

describe('preview', () => {
  describe('when the component counts are read from the string', () => {
    it.each([
      ['L', { x: 4, y: 3 }],
      ['0', { x: 1, y: 1 }],
      ['U', { x: 4, y: 4 }],
    ])('%s... has the right counts', (flag, counts) => {
      const text = `${flag}${'0'.repeat(3 + 2 * counts.x * counts.y)}`;
      expect(parsePreview(text, 'preview')).toBe(text);
      expect(previewComponents(text)).toEqual(counts);
    });
  });

  it('is capped at the length of 4x4 components', () => {
    expect(MAX_PREVIEW_LENGTH).toBe(36);
  });
});
