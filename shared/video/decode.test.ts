import { createReadStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOfAsync } from '../testing/code-of.ts';
import { tempDirs } from '../testing/temp-dirs.ts';
import { openVideo } from './decode.ts';
import type { VideoDecoderOptions, VideoFrame, VideoSource } from './decode.ts';
import { isAlive, makeAudioOnly, makeAudioWithCover, makeVideo, requireFfmpeg } from './testing/synthetic-video.ts';

const hasFfmpeg = requireFfmpeg();
const dirs = tempDirs();
let dir = '';
const file = (name: string): string => join(dir, name);

/** Every child started during a test, checked dead after it. */
let children: { pid: number; tool: string }[] = [];
const tracked = (options: VideoDecoderOptions = {}): VideoDecoderOptions => ({ ...options, onChild: (child) => children.push(child) });

/** Opens, decodes every step-th frame (copies kept), closes: the whole life of one run. */
async function decodeAll(source: VideoSource, options: VideoDecoderOptions = {}, step = 1): Promise<{ frames: VideoFrame[]; width: number; height: number; fps: number }> {
  const video = await openVideo(source, tracked(options));
  try {
    const frames: VideoFrame[] = [];
    for await (const frame of video.frames(step)) frames.push({ ...frame, data: frame.data.slice() });
    return { frames, width: video.info.width, height: video.info.height, fps: video.info.fps };
  } finally {
    await video.close();
  }
}

describe.runIf(hasFfmpeg)('openVideo', () => {
  beforeAll(() => {
    dir = dirs.make('video-decode-');
    makeVideo(file('small.mp4'), { width: 160, height: 120, fps: 10, seconds: 2 });
    makeVideo(file('odd.mkv'), { width: 162, height: 122, fps: 5, seconds: 1, codec: ['-vf', 'format=yuv444p,crop=161:121', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p'] });
    makeVideo(file('many.mp4'), { width: 64, height: 64, fps: 100, seconds: 10, source: 'color' });
    makeVideo(file('many.ts'), { width: 64, height: 64, fps: 100, seconds: 10, source: 'color' });
    makeVideo(file('long.mp4'), { width: 64, height: 64, fps: 5, seconds: 30, source: 'color' });
    makeAudioOnly(file('audio.m4a'));
    makeAudioWithCover(file('cover.m4a'));
    const small = readFileSync(file('small.mp4'));
    writeFileSync(file('empty.mp4'), new Uint8Array(0));
    writeFileSync(file('truncated.mp4'), small.subarray(0, Math.floor(small.length / 2)));
    makeVideo(file('faststart.mp4'), { width: 160, height: 120, fps: 10, seconds: 2, output: ['-movflags', '+faststart'] });
    const faststart = readFileSync(file('faststart.mp4'));
    writeFileSync(file('truncated-faststart.mp4'), faststart.subarray(0, Math.floor(faststart.length * 0.6)));
    writeFileSync(file('noise.mp4'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    // A 60-byte file declaring 16000x16000 frames: refused from the header, before anything is allocated.
    writeFileSync(file('huge.y4m'), 'YUV4MPEG2 W16000 H16000 F25:1 C420jpeg\nFRAME\nabc');
    // A playlist naming another file: the demuxer allowlist keeps ffmpeg from opening it.
    writeFileSync(file('list.m3u8'), `#EXTM3U\n#EXTINF:2,\nfile:${file('small.mp4')}\n#EXT-X-ENDLIST\n`);
  });
  afterEach(() => {
    for (const child of children) expect(isAlive(child.pid), `${child.tool} ${child.pid} left running`).toBe(false);
    children = [];
  });
  afterAll(() => dirs.removeAll());

  describe('when the video is well formed', () => {
    it('returns every frame at its own size as RGB24, numbered from 0', async () => {
      const { frames, width, height, fps } = await decodeAll({ path: file('small.mp4') });
      expect([width, height, fps]).toEqual([160, 120, 10]);
      expect(frames.map((f) => f.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(frames.every((f) => f.width === 160 && f.height === 120 && f.data.length === 160 * 120 * 3)).toBe(true);
    });

    it('keeps odd dimensions exact (no padding on the pipe)', async () => {
      const { frames, width, height } = await decodeAll({ path: file('odd.mkv') });
      expect([width, height, frames.length]).toEqual([161, 121, 5]);
      expect(frames[0]?.data.length).toBe(161 * 121 * 3);
    });

    it('returns every step-th frame with the every-frame numbering and the same pixels', async () => {
      const every = await decodeAll({ path: file('small.mp4') });
      const stepped = await decodeAll({ path: file('small.mp4') }, {}, 3);
      expect(stepped.frames.map((f) => f.index)).toEqual([0, 3, 6, 9, 12, 15, 18]);
      for (const frame of stepped.frames) expect(Buffer.from(frame.data).equals(Buffer.from(every.frames[frame.index]!.data))).toBe(true);
    });

    it('decodes a byte stream as it decodes the file, and removes its spooled copy', async () => {
      const fromFile = await decodeAll({ path: file('small.mp4') });
      const fromStream = await decodeAll({ stream: createReadStream(file('small.mp4')) }, { tempDir: dirs.make('video-spool-') });
      expect(fromStream.frames.length).toBe(fromFile.frames.length);
      expect(fromStream.frames.every((f, i) => Buffer.from(f.data).equals(Buffer.from(fromFile.frames[i]!.data)))).toBe(true);
    });

    it('kills ffmpeg when the caller stops reading early', async () => {
      const video = await openVideo({ path: file('many.mp4') }, tracked());
      try {
        for await (const frame of video.frames()) if (frame.index === 2) break;
      } finally {
        await video.close();
      }
      expect(children.map((c) => c.tool)).toEqual(['ffprobe', 'ffmpeg']);
    });
  });

  describe('when ffmpeg is not installed', () => {
    it('fails with VIDEO_DECODER_MISSING', async () => {
      const missing = join(dir, 'no-such-ffmpeg');
      expect(await codeOfAsync(decodeAll({ path: file('small.mp4') }, { ffprobePath: missing }))).toBe('VIDEO_DECODER_MISSING');
      const video = await openVideo({ path: file('small.mp4') }, tracked({ ffmpegPath: missing }));
      try {
        expect(await codeOfAsync(video.frames().next())).toBe('VIDEO_DECODER_MISSING');
      } finally {
        await video.close();
      }
    });
  });

  describe('when the input is hostile or broken', () => {
    it.each([
      ['a zero-length file', 'empty.mp4', 'VIDEO_UNREADABLE'],
      ['an MP4 cut in half (index at the end, missing)', 'truncated.mp4', 'VIDEO_UNREADABLE'],
      ['an MP4 cut in its media data (index at the start)', 'truncated-faststart.mp4', 'VIDEO_UNREADABLE'],
      ['bytes that are no container', 'noise.mp4', 'VIDEO_UNREADABLE'],
      ['a container with audio only', 'audio.m4a', 'VIDEO_NO_VIDEO_STREAM'],
      ['audio with cover art (a picture, not a video)', 'cover.m4a', 'VIDEO_NO_VIDEO_STREAM'],
      ['a tiny file declaring 16000x16000 frames', 'huge.y4m', 'VIDEO_BAD_DIMENSIONS'],
      ['a playlist pointing at another file', 'list.m3u8', 'VIDEO_UNREADABLE'],
    ])('refuses %s with %s', async (_what, name, code) => {
      expect(await codeOfAsync(decodeAll({ path: file(name) }))).toBe(code);
    });

    it('refuses a zero-length stream', async () => {
      async function* nothing(): AsyncGenerator<Uint8Array> {}
      expect(await codeOfAsync(decodeAll({ stream: nothing() }, { tempDir: dirs.make('video-spool-') }))).toBe('VIDEO_UNREADABLE');
    });

    it('cuts off a stream past the byte cap and removes what it spooled', async () => {
      const spool = dirs.make('video-spool-');
      const code = await codeOfAsync(decodeAll({ stream: createReadStream(file('small.mp4')) }, { tempDir: spool, limits: { maxInputBytes: 1000 } }));
      expect(code).toBe('VIDEO_TOO_LARGE');
      expect(readdirSync(spool)).toEqual([]);
    });

    it('gives up on a stream that stalls, with VIDEO_TIMEOUT, and removes what it spooled', async () => {
      const spool = dirs.make('video-spool-');
      async function* stalled(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(100);
        await new Promise(() => {});
      }
      expect(await codeOfAsync(decodeAll({ stream: stalled() }, { tempDir: spool, limits: { timeoutMs: 300 } }))).toBe('VIDEO_TIMEOUT');
      expect(readdirSync(spool)).toEqual([]);
    });

    it('refuses a file over the byte cap without running ffmpeg', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('small.mp4') }, { limits: { maxInputBytes: 1000 } }))).toBe('VIDEO_TOO_LARGE');
      expect(children).toEqual([]);
    });

    it('refuses frames over the pixel cap before decoding', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('small.mp4') }, { limits: { maxPixels: 160 * 119 } }))).toBe('VIDEO_BAD_DIMENSIONS');
      expect(children.map((c) => c.tool)).toEqual(['ffprobe']);
    });

    it('refuses a declared duration over the cap before decoding', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('long.mp4') }, { limits: { maxDurationSec: 10 } }))).toBe('VIDEO_TOO_LONG');
      expect(children.map((c) => c.tool)).toEqual(['ffprobe']);
    });

    it('refuses a declared frame count over the cap before decoding (a bomb of tiny frames)', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('many.mp4') }, { limits: { maxFrames: 200 } }))).toBe('VIDEO_FRAME_BUDGET');
      expect(children.map((c) => c.tool)).toEqual(['ffprobe']);
    });

    it('kills the decoder when frames pass the cap in a container that declares no count', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('many.ts') }, { limits: { maxFrames: 200 } }))).toBe('VIDEO_FRAME_BUDGET');
      expect(children.map((c) => c.tool)).toEqual(['ffprobe', 'ffmpeg']);
    });

    it('kills the decoder when the frame bytes pass the output cap', async () => {
      expect(await codeOfAsync(decodeAll({ path: file('many.ts') }, { limits: { maxOutputBytes: 64 * 64 * 3 * 50 } }))).toBe('VIDEO_FRAME_BUDGET');
    });
  });

  describe('when the run outlasts its wall-clock limit', () => {
    it('kills ffmpeg and fails with VIDEO_TIMEOUT', async () => {
      const video = await openVideo({ path: file('many.mp4') }, tracked({ limits: { timeoutMs: 1500 } }));
      try {
        const frames = video.frames();
        await frames.next();
        await new Promise((resolve) => setTimeout(resolve, 2000));
        let code: string | undefined;
        try {
          for (let step = await frames.next(); step.done !== true; step = await frames.next());
        } catch (error) {
          code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
        }
        expect(code).toBe('VIDEO_TIMEOUT');
      } finally {
        await video.close();
      }
    });
  });

  describe('when the caller aborts', () => {
    it('kills ffmpeg and fails with VIDEO_ABORTED', async () => {
      const controller = new AbortController();
      const video = await openVideo({ path: file('many.mp4') }, tracked({ signal: controller.signal }));
      try {
        let code: string | undefined;
        try {
          for await (const frame of video.frames()) if (frame.index === 5) controller.abort();
        } catch (error) {
          code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
        }
        expect(code).toBe('VIDEO_ABORTED');
      } finally {
        await video.close();
      }
    });
  });
});
