/**
 * A byte stream written to a private temporary file, for ffmpeg to read.
 * Why not ffmpeg's stdin: an MP4 whose index (moov) follows the media data,
 * as phones and most encoders write it, cannot be demuxed from a pipe
 * ("moov atom not found"), and ffprobe would consume the pipe before the
 * decoder saw it. The file is written as bytes arrive (never the whole video
 * in memory), cut off past the byte cap, readable by this user only, and
 * removed by the returned `remove`.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clampTimerMs } from '../timer.ts';
import { VideoError } from './video-error.ts';

export interface SpooledFile {
  readonly path: string;
  readonly bytes: number;
  remove(): Promise<void>;
}

export async function spoolToFile(
  stream: AsyncIterable<Uint8Array>,
  options: { readonly maxBytes: number; readonly tempDir?: string | undefined; readonly signal?: AbortSignal | undefined; readonly deadline: number },
): Promise<SpooledFile> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'hashfeed-video-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'input');
  let bytes = 0;
  try {
    const file = await open(path, 'wx', 0o600);
    const chunks = stream[Symbol.asyncIterator]();
    try {
      for (let next = await nextChunk(chunks, options); next.done !== true; next = await nextChunk(chunks, options)) {
        bytes += next.value.byteLength;
        if (bytes > options.maxBytes) throw new VideoError('VIDEO_TOO_LARGE', `the video is over the limit of ${options.maxBytes} bytes`);
        await file.write(next.value);
      }
    } catch (error) {
      // Let the source release what it holds (an HTTP body, a file handle); its own failure is not ours to report.
      void Promise.resolve(chunks.return?.()).catch(() => {});
      throw error;
    } finally {
      await file.close();
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, bytes, remove };
}

/** The next chunk, or VIDEO_TIMEOUT / VIDEO_ABORTED when the deadline or the signal comes first: a stalled upload cannot hold the run. */
async function nextChunk(
  chunks: AsyncIterator<Uint8Array>,
  options: { readonly signal?: AbortSignal | undefined; readonly deadline: number },
): Promise<IteratorResult<Uint8Array>> {
  if (options.signal?.aborted === true) throw new VideoError('VIDEO_ABORTED', 'the video upload was aborted');
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new VideoError('VIDEO_TIMEOUT', 'the video did not arrive within the wall-clock limit')), clampTimerMs(options.deadline - Date.now()));
    onAbort = () => reject(new VideoError('VIDEO_ABORTED', 'the video upload was aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([chunks.next(), interrupted]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener('abort', onAbort);
  }
}
