import { describe, expect, it } from 'vitest';
import { randomSource } from '../match/testing/synthetic.ts';
import { VideoMatchError } from './errors.ts';
import { formatVideoValue, framesOfValue, parseFrameList, parseVideoValue, videoIndicatorValue } from './frames.ts';
import { frameJson, randomFrames } from './testing/frame-lists.ts';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    if (err instanceof VideoMatchError) return err.code;
    throw err;
  }
};

const HASH = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('frame lists', () => {
  describe('parseFrameList', () => {
    it('takes the CLI output object or its frames array', () => {
      const frames = [{ frame: 0, quality: 90, hash: HASH, timestamp: 0.5 }];
      const fromObject = parseFrameList({ path: 'a.mp4', algorithm: 'vpdq', durationSec: 1, frames });
      expect(fromObject).toEqual(parseFrameList(frames));
      expect(fromObject[0]).toMatchObject({ frame: 0, quality: 90, timestamp: 0.5 });
      expect(Buffer.from(fromObject[0]?.hash ?? []).toString('hex')).toBe(HASH);
    });

    it.each([
      ['not a list', 42, 'VIDEO_BAD_FRAMES'],
      ['another algorithm', { algorithm: 'pdq', frames: [] }, 'VIDEO_BAD_FRAMES'],
      ['a short hash', [{ quality: 90, hash: 'abc' }], 'VIDEO_BAD_FRAMES'],
      ['a quality over 100', [{ quality: 101, hash: HASH }], 'VIDEO_BAD_FRAMES'],
      ['a negative timestamp', [{ quality: 90, hash: HASH, timestamp: -1 }], 'VIDEO_BAD_FRAMES'],
      ['an unknown field', [{ quality: 90, hash: HASH, colour: 1 }], 'VIDEO_BAD_FRAMES'],
      ['no quality', [{ hash: HASH }], 'VIDEO_BAD_FRAMES'],
      ['too many frames', Array.from({ length: 65_537 }, () => ({ quality: 90, hash: HASH })), 'VIDEO_TOO_MANY_FRAMES'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => parseFrameList(value))).toBe(code);
    });
  });

  describe('videoIndicatorValue', () => {
    it('keeps unique frames of quality >= 50, sorted, so frame order and repeats do not change it', () => {
      const next = randomSource(1);
      const good = randomFrames(5, next);
      const poor = randomFrames(3, next, 49);
      const value = videoIndicatorValue([...good, ...poor, ...good]);
      expect(value.byteLength).toBe(5 * 32);
      expect(value).toEqual(videoIndicatorValue([...good].reverse()));
      const hexes = framesOfValue(value).map((h) => Buffer.from(h).toString('hex'));
      expect(hexes).toEqual([...hexes].sort());
      expect(parseVideoValue(formatVideoValue(value))).toEqual(value);
    });

    it('refuses a list with no usable frame, and one over the cap', () => {
      const next = randomSource(2);
      expect(codeOf(() => videoIndicatorValue(randomFrames(3, next, 10)))).toBe('VIDEO_NO_USABLE_FRAMES');
      expect(codeOf(() => videoIndicatorValue(randomFrames(4097, next)))).toBe('VIDEO_TOO_MANY_FRAMES');
      expect(codeOf(() => videoIndicatorValue(randomFrames(4, next), 3))).toBe('VIDEO_TOO_MANY_FRAMES');
      expect(codeOf(() => parseFrameList(randomFrames(2, next).map(frameJson)))).toBe('no error');
    });
  });
});
