import { FEED_TARGETS } from './targets/feed.ts';
import { IMAGE_TARGETS } from './targets/image.ts';
import { INGEST_TARGETS } from './targets/ingest.ts';
import { QUERY_TARGETS } from './targets/query.ts';
import { REPORT_TARGETS } from './targets/reports.ts';
import { SIDECAR_TARGETS } from './targets/sidecar-body.ts';
import { TEXT_TARGETS } from './targets/text.ts';
import { TRUST_TARGETS } from './targets/trust.ts';
import { VIDEO_TARGETS } from './targets/video.ts';
import type { RegisteredTarget } from './target.ts';

/** Every decoder of untrusted input under fuzzing (docs/RELIABILITY.md, "Fuzzing"), by name. */
export const TARGETS: readonly RegisteredTarget[] = [
  ...TRUST_TARGETS,
  ...FEED_TARGETS,
  ...REPORT_TARGETS,
  ...TEXT_TARGETS,
  ...INGEST_TARGETS,
  ...SIDECAR_TARGETS,
  ...IMAGE_TARGETS,
  ...VIDEO_TARGETS,
  ...QUERY_TARGETS,
];

export { runTarget } from './run.ts';
export type { RunOptions, TargetResult } from './run.ts';
export type { RegisteredTarget } from './target.ts';
