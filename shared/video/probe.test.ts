import { describe, expect, it } from 'vitest';
import { codeOf } from '../testing/code-of.ts';
import { parseProbe } from './probe.ts';

const stream = { codec_name: 'h264', width: 1080, height: 1080, avg_frame_rate: '30/1', r_frame_rate: '30/1', duration: '5.000000', nb_frames: '150' };
const probe = (overrides: Record<string, unknown> = {}, format: Record<string, unknown> = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '5.000000' }) => ({
  streams: [{ ...stream, ...overrides }],
  format,
});

describe('parseProbe', () => {
  describe('when ffprobe describes a video stream', () => {
    it('takes the size, frame rate, duration and frame count', () => {
      expect(parseProbe(probe())).toEqual({ width: 1080, height: 1080, fps: 30, durationSec: 5, frameCount: 150, codec: 'h264', container: 'mov,mp4,m4a,3gp,3g2,mj2' });
    });

    it('falls back to r_frame_rate when avg_frame_rate is 0/0, as the reference does', () => {
      expect(parseProbe(probe({ avg_frame_rate: '0/0', r_frame_rate: '30000/1001' })).fps).toBeCloseTo(29.97, 2);
    });

    it("falls back to the container's duration, and leaves unknowns undefined", () => {
      const info = parseProbe(probe({ duration: undefined, nb_frames: undefined }, { format_name: 'matroska,webm', duration: '7.5' }));
      expect([info.durationSec, info.frameCount]).toEqual([7.5, undefined]);
      expect(parseProbe(probe({ duration: 'N/A', nb_frames: 'N/A' }, {})).durationSec).toBeUndefined();
    });
  });

  describe('when the JSON is not a usable description', () => {
    it.each([
      ['not an object', null, 'VIDEO_UNREADABLE'],
      ['no container', { streams: [stream] }, 'VIDEO_UNREADABLE'],
      ['no video stream', { streams: [], format: {} }, 'VIDEO_NO_VIDEO_STREAM'],
      ['streams not a list', { streams: 'x', format: {} }, 'VIDEO_NO_VIDEO_STREAM'],
      ['no size', probe({ width: undefined }), 'VIDEO_BAD_DIMENSIONS'],
      ['zero size', probe({ height: 0 }), 'VIDEO_BAD_DIMENSIONS'],
      ['fractional size', probe({ width: 10.5 }), 'VIDEO_BAD_DIMENSIONS'],
      ['size as text', probe({ width: '1080' }), 'VIDEO_BAD_DIMENSIONS'],
      ['no frame rate', probe({ avg_frame_rate: '0/0', r_frame_rate: '0/0' }), 'VIDEO_UNREADABLE'],
      ['a frame rate that is junk', probe({ avg_frame_rate: '1e9/1', r_frame_rate: '-30/1' }), 'VIDEO_UNREADABLE'],
    ])('refuses %s with %s', (_what, json, code) => {
      expect(codeOf(() => parseProbe(json))).toBe(code);
    });
  });
});
