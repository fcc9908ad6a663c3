import fc from 'fast-check';
import { parseProbe } from '../../shared/video/probe.ts';
import { VideoError } from '../../shared/video/video-error.ts';
import { hostileValue } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/**
 * What ffprobe says about an uploaded video: its JSON is ffprobe's, but every
 * value in it (size, rates, durations, counts, names) comes from the hostile
 * file. Each field is mostly a value ffprobe prints, sometimes anything.
 */
const field = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: valid, weight: 3 }, hostileValue, fc.constant(undefined));

const rates = fc.constantFrom('30/1', '0/0', '30000/1001', '1/0', '90000/1', '-1/1', '1e3/1');
const decimals = fc.oneof(fc.constantFrom('5.000000', 'N/A', '0', '1e400', '-3'), fc.double({ min: 0, max: 1e7, noNaN: true }).map(String));

const streams = fc.record({
  codec_name: field(fc.constantFrom('h264', 'hevc', 'vp9', 'av1', 'rawvideo')),
  width: field(fc.integer({ min: -1, max: 70000 })),
  height: field(fc.integer({ min: -1, max: 70000 })),
  avg_frame_rate: field(rates),
  r_frame_rate: field(rates),
  duration: field(decimals),
  nb_frames: field(fc.oneof(fc.nat().map(String), fc.constant('N/A'))),
});

const probes = fc.record({
  streams: field(fc.array(streams, { maxLength: 2 })),
  format: field(fc.record({ format_name: field(fc.constantFrom('mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm')), duration: field(decimals) })),
});

export const videoProbe = defineTarget({
  name: 'video-probe',
  decoder: 'shared/video/probe.ts parseProbe',
  input: fc.oneof({ arbitrary: probes, weight: 4 }, hostileValue),
  decode: (json: unknown) => parseProbe(json),
  refusals: [VideoError],
});

export const VIDEO_TARGETS: readonly RegisteredTarget[] = [videoProbe];
