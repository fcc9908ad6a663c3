import { CodedError } from '../errors.ts';

/**
 * Why a video could not be decoded. Codes are public API (CLI JSON, scan
 * answers, logs): never renamed.
 */
export type VideoErrorCode =
  /** ffmpeg or ffprobe is not installed (or not executable) where configured. */
  | 'VIDEO_DECODER_MISSING'
  /** Not a video ffmpeg can read: empty, truncated, corrupt, or an unknown container. */
  | 'VIDEO_UNREADABLE'
  /** A readable container without a video stream (audio only, subtitles...). */
  | 'VIDEO_NO_VIDEO_STREAM'
  /** More input bytes than the byte cap. */
  | 'VIDEO_TOO_LARGE'
  /** Declared or decoded duration over the duration cap. */
  | 'VIDEO_TOO_LONG'
  /** Frame dimensions zero, absurd, or over the pixel cap (checked before any frame is allocated). */
  | 'VIDEO_BAD_DIMENSIONS'
  /** More decoded frames or frame bytes than the caps allow: a decompression bomb. */
  | 'VIDEO_FRAME_BUDGET'
  /** The wall-clock limit of the run passed. */
  | 'VIDEO_TIMEOUT'
  /** The caller aborted the run (its AbortSignal). */
  | 'VIDEO_ABORTED';

export class VideoError extends CodedError<VideoErrorCode> {}
