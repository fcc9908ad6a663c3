import { LEGAL_TEXT_PATTERN } from '../../shared/wire/order.ts';
import type { UnfoundedReason } from './report-lifecycle.ts';

/** A reviewer's sentence (a decision's, a reopen's, a QA check's): printable text, no control characters, at most this long. */
export const MAX_COMMENT_LENGTH = 1000;
export const COMMENT_PATTERN = LEGAL_TEXT_PATTERN;
export const COMMENT_MESSAGE = `comment must be 1 to ${MAX_COMMENT_LENGTH} printable characters`;

/**
 * Each unfounded reason in words: its label, and the standard sentence the
 * console records as the comment when a reviewer decides by keyboard and
 * writes none (the page says so before it is sent). Each sentence is a
 * valid comment (review-comment.test.ts).
 */
export const UNFOUNDED_REASON_WORDS: Readonly<Record<UnfoundedReason, { readonly label: string; readonly sentence: string }>> = {
  preview_mismatch: { label: 'Preview mismatch', sentence: "The report's preview does not match the indicator's preview." },
  indicator_error: { label: 'Indicator error', sentence: 'The indicator itself is in error: it should not be on the list.' },
  duplicate: { label: 'Duplicate', sentence: 'This report duplicates one already decided.' },
  not_csam: { label: 'Not abuse material', sentence: 'The matched material is not child sexual abuse material.' },
  other: { label: 'Other', sentence: 'Unfounded for a reason the listed ones do not cover.' },
};
