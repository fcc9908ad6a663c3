/**
 * How ffmpeg and ffprobe open an input: always a local file, by the `file:`
 * protocol only, through container demuxers that read nothing but that
 * file. Without this, a hostile upload that is a playlist (HLS, DASH,
 * ffconcat) would make ffmpeg open other files or URLs, and a path that
 * looks like `http:` or `pipe:` would be taken as a protocol.
 */
import { resolve } from 'node:path';

/** The demuxers a video may come through: containers of one file each. */
export const ALLOWED_DEMUXERS = [
  'mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2',
  'matroska', 'webm',
  'avi', 'mpegts', 'mpeg', 'flv', 'ogg', 'asf',
  'yuv4mpegpipe',
] as const;

export function inputArgs(path: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', ALLOWED_DEMUXERS.join(','), '-i', `file:${resolve(path)}`];
}
