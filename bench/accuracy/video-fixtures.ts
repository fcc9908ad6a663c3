/**
 * Synthetic footage for the video section of bench:accuracy, made from the
 * project's own synthetic pictures (fixtures/): no real footage. A video is
 * four scenes of two seconds each, a camera panning slowly across each
 * picture at 10 frames a second, encoded as H.264; the transforms are what
 * re-uploads do to a video.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { deriveSeed, generateImage, transformVideo, type FamilyName, type VideoTransform } from '../../fixtures/index.ts';

export const FOOTAGE_WIDTH = 640;
export const FOOTAGE_HEIGHT = 480;
export const FOOTAGE_FPS = 10;
export const SCENE_SECONDS = 2;
export const SCENES = 4;
export const FOOTAGE_SECONDS = SCENE_SECONDS * SCENES;

const SCENE_FAMILIES: readonly FamilyName[] = ['scenes', 'textures', 'scenes', 'patterns'];

/** Writes footage number `index` of `seed` to `path` (H.264 MP4, 8 s, 640x480, 10 fps). */
export async function makeFootage(path: string, seed: number, index: number): Promise<void> {
  const frameDir = `${path}.frames`;
  mkdirSync(frameDir, { recursive: true });
  try {
    let n = 0;
    for (let scene = 0; scene < SCENES; scene++) {
      const picture = await generateImage({ family: SCENE_FAMILIES[scene] ?? 'scenes', seed: deriveSeed(seed, `video-${index}-scene-${scene}`), width: 800, height: 600, format: 'png' });
      const frames = SCENE_SECONDS * FOOTAGE_FPS;
      for (let f = 0; f < frames; f++) {
        // A slow pan from the top left to the bottom right: neighbouring frames differ a little, like footage.
        const left = Math.round(((800 - FOOTAGE_WIDTH) * f) / frames);
        const top = Math.round(((600 - FOOTAGE_HEIGHT) * f) / frames);
        await sharp(picture).extract({ left, top, width: FOOTAGE_WIDTH, height: FOOTAGE_HEIGHT }).png({ compressionLevel: 1 }).toFile(join(frameDir, `${String(n++).padStart(4, '0')}.png`));
      }
    }
    // The frames as footage: H.264 at crf 18, through the same encode as every re-upload.
    transformVideo(join(frameDir, '%04d.png'), path, { crf: 18, input: ['-framerate', String(FOOTAGE_FPS)] });
  } finally {
    rmSync(frameDir, { recursive: true, force: true });
  }
}

export interface VideoCase {
  readonly name: string;
  readonly transform: VideoTransform;
}

/** What re-uploads do to a video (issue 17, deliverable 7). */
export const VIDEO_CASES: readonly VideoCase[] = [
  { name: 're-encode at 150 kbit/s', transform: { bitrate: '150k' } },
  { name: 'resize to 320x240', transform: { filters: 'scale=320:240' } },
  { name: 'letterbox (10% bars)', transform: { filters: 'scale=576:432,pad=640:480:32:24:black' } },
  { name: 'greyscale', transform: { filters: 'hue=s=0' } },
  { name: 'logo overlay', transform: { filters: 'drawbox=x=24:y=24:w=160:h=64:color=white@0.85:t=fill,drawbox=x=40:y=40:w=128:h=32:color=red@0.9:t=fill' } },
  { name: 'trimmed 1 s at each end', transform: { input: ['-ss', '1'], output: ['-t', String(FOOTAGE_SECONDS - 2)] } },
  { name: 'a 20% clip', transform: { input: ['-ss', '3'], output: ['-t', String(FOOTAGE_SECONDS * 0.2)] } },
  { name: 'speed x1.25', transform: { filters: 'setpts=PTS/1.25' } },
];

/** The copy of `original` through `videoCase`, at `path`. */
export function applyVideoCase(original: string, path: string, videoCase: VideoCase): void {
  transformVideo(original, path, videoCase.transform);
}
