import { installCommentHints } from './comment-hints.ts';
import { installConfirmations } from './confirmations.ts';
import { startCountdowns } from './countdowns.ts';
import { startLiveCounts } from './live-counts.ts';
import { drawPreviews } from './previews.ts';
import { installShortcuts } from './shortcuts.ts';

/** The console's one script: each part enhances markup that already works without it (docs/CONSOLE.md). */
function start(doc: Document): void {
  installShortcuts(doc);
  installConfirmations(doc);
  installCommentHints(doc);
  drawPreviews(doc);
  startCountdowns(doc);
  startLiveCounts(doc);
  doc.documentElement.dataset['enhanced'] = 'true';
}

start(document);
