import { describe, expect, it } from 'vitest';
import { sniffVideo } from './video-sniff.ts';

const bytes = (...parts: (string | number[])[]): Uint8Array => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const ts = (): Uint8Array => {
  const out = new Uint8Array(188 * 3);
  for (const at of [0, 188, 376]) out[at] = 0x47;
  return out;
};

describe('sniffVideo', () => {
  describe.each([
    ['an MP4', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'mp4'],
    ['a QuickTime movie', bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 0, 0]), 'mp4'],
    ['an old QuickTime movie', bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 0]), 'mov'],
    ['a WebM or Matroska file', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'matroska'],
    ['an AVI', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), 'avi'],
    ['an MPEG transport stream', ts(), 'mpeg-ts'],
    ['an MPEG program stream', bytes([0, 0, 1, 0xba, 0x44]), 'mpeg-ps'],
    ['an FLV', bytes('FLV', [1, 5]), 'flv'],
  ])('when the bytes start %s', (_name, head, container) => {
    it('names the container', () => {
      expect(sniffVideo(head)).toBe(container);
    });
  });

  describe.each([
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['a PNG', bytes([0x89], 'PNG\r\n', [0x1a, 0x0a])],
    ['a HEIC photo', bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0])],
    ['an AVIF picture', bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0])],
    ['a WebP (RIFF, not AVI)', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['a text starting with G (0x47, the TS sync byte)', bytes('G', 'x'.repeat(400))],
    ['nothing', bytes()],
  ])('when the bytes start %s', (_name, head) => {
    it('is not a video', () => {
      expect(sniffVideo(head)).toBeUndefined();
    });
  });
});
