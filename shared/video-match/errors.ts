import { CodedError } from '../errors.ts';

/**
 * Video frame lists refused, and matcher options refused. Codes are public
 * API (the Centre maps the frame-list ones onto its row codes).
 */
export type VideoMatchCode =
  | 'VIDEO_BAD_FRAMES'
  | 'VIDEO_TOO_MANY_FRAMES'
  | 'VIDEO_NO_USABLE_FRAMES'
  | 'VIDEO_BAD_OPTIONS';

export class VideoMatchError extends CodedError<VideoMatchCode> {}
