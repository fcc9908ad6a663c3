import { z } from 'zod';
import { UNFOUNDED_REASONS, type UnfoundedReason } from '../../../review/report-lifecycle.ts';
import { COMMENT_MESSAGE, COMMENT_PATTERN, MAX_COMMENT_LENGTH, UNFOUNDED_REASON_WORDS } from '../../../review/review-comment.ts';
import type { DecisionInput } from '../../../review/review-desk.ts';
import { checkForm } from '../../forms.ts';
import { field, h, postForm, type Child } from '../../html.ts';
import type { ConsoleSession } from '../../session-store.ts';

/** What the person typed, kept when the form comes back with a message (never a token: the form holds none). */
export interface DecisionValues {
  readonly decision: string;
  readonly comment: string;
  readonly claimNext: boolean;
}
export interface QaValues {
  readonly verdict: string;
  readonly comment: string;
}
export type FieldErrors = Readonly<Record<string, string>>;

export const EMPTY_DECISION: DecisionValues = { decision: '', comment: '', claimNext: true };
export const EMPTY_QA: QaValues = { verdict: '', comment: '' };

const CHOICES = ['forwarded', ...UNFOUNDED_REASONS] as const;
const isReason = (value: string): value is UnfoundedReason => (UNFOUNDED_REASONS as readonly string[]).includes(value);

/** A sentence as the API takes it; a line break typed in the box is a space (a comment is one sentence). */
const comment = z
  .string()
  .transform((text) => text.replace(/\s+/gu, ' ').trim())
  .pipe(z.string().max(MAX_COMMENT_LENGTH, { error: COMMENT_MESSAGE }).refine((text) => text === '' || COMMENT_PATTERN.test(text), { error: COMMENT_MESSAGE }));

const DecisionForm = z.object({
  decision: z.enum(CHOICES, { error: 'Choose forward or one of the unfounded reasons' }),
  comment,
  claimNext: z.boolean(),
});

const QaForm = z
  .object({ verdict: z.enum(['agree', 'disagree'], { error: 'Choose agree or disagree' }), comment })
  .refine((form) => form.verdict === 'agree' || form.comment !== '', { path: ['comment'], error: 'A disagreement reopens the decision: say why in the comment' });

export const decisionValuesOf = (form: URLSearchParams): DecisionValues => ({
  decision: form.get('decision') ?? '',
  comment: form.get('comment') ?? '',
  claimNext: form.get('claimNext') === 'on',
});
export const qaValuesOf = (form: URLSearchParams): QaValues => ({ verdict: form.get('verdict') ?? '', comment: form.get('comment') ?? '' });

/**
 * The decision the form asks for, as the desk takes it: an unfounded reason
 * left without a comment carries the reason's standard sentence (the form
 * said so before it was sent); the API's own rules decide the rest.
 */
export function checkDecision(values: DecisionValues): { ok: true; input: DecisionInput } | { ok: false; errors: FieldErrors } {
  const checked = checkForm(DecisionForm, { ...values });
  if (!checked.ok) return checked;
  const { decision, comment: text } = checked.value;
  if (!isReason(decision)) return { ok: true, input: { decision: 'forwarded', reason: null, comment: text === '' ? null : text } };
  return { ok: true, input: { decision: 'unfounded', reason: decision, comment: text === '' ? UNFOUNDED_REASON_WORDS[decision].sentence : text } };
}

export function checkQa(values: QaValues): { ok: true; verdict: 'agree' | 'disagree'; comment: string | null } | { ok: false; errors: FieldErrors } {
  const checked = checkForm(QaForm, { ...values });
  if (!checked.ok) return checked;
  return { ok: true, verdict: checked.value.verdict, comment: checked.value.comment === '' ? null : checked.value.comment };
}

/** What the comment box will hold if left empty, for the choice made (the script rewrites it as the choice changes). */
function commentHintOf(choice: string): string {
  if (isReason(choice)) return `If you leave the comment empty, it will read: “${UNFOUNDED_REASON_WORDS[choice].sentence}”`;
  if (choice === 'forwarded') return 'A forward needs no comment: if you leave it empty, none is recorded.';
  return "If you leave the comment empty for an unfounded reason, it will read that reason's standard sentence (shown with each reason).";
}

/** One radio of a choice group: its key in the label, a hint tied to it, and what an empty comment becomes. */
function choice(options: { name: string; value: string; key: string; label: string; hint?: string; checked: boolean; commentHint?: string }): Child {
  const id = `${options.name}-${options.value}`;
  return h(
    'div',
    { class: 'choice' },
    h('input', {
      type: 'radio',
      id,
      name: options.name,
      value: options.value,
      checked: options.checked,
      required: true,
      'data-shortcut': options.key,
      'data-comment-hint': options.commentHint,
      'aria-describedby': options.hint === undefined ? undefined : `${id}-hint`,
    }),
    h('label', { for: id }, h('kbd', {}, options.key.toUpperCase()), ' ', options.label),
    options.hint === undefined ? null : h('p', { class: 'hint', id: `${id}-hint` }, options.hint),
  );
}

function choiceGroup(legend: string, error: string | undefined, ...choices: Child[]): Child {
  return h(
    'fieldset',
    { class: error === undefined ? 'choices' : 'choices invalid', 'aria-describedby': error === undefined ? undefined : 'choice-error' },
    h('legend', {}, legend),
    error === undefined ? null : h('p', { class: 'error', id: 'choice-error' }, h('strong', {}, 'Error: '), error),
    ...choices,
  );
}

const keysHint = (text: string): Child => h('p', { class: 'keys' }, text);

/** The decision form: forward (F) or one unfounded reason (1 to 5), then Enter: two keystrokes. */
export function decisionForm(session: ConsoleSession, reportId: string, values: DecisionValues, errors: FieldErrors): Child {
  return postForm(
    session,
    `/console/review/reports/${reportId}/decision`,
    { class: 'panel decision', 'aria-labelledby': 'decide-heading' },
    h('h2', { id: 'decide-heading' }, 'Decide this bundle'),
    keysHint('Keys: F to forward, 1 to 5 for an unfounded reason, then Enter to record it.'),
    choiceGroup(
      'Decision for every report of the bundle',
      errors['decision'],
      choice({
        name: 'decision',
        value: 'forwarded',
        key: 'f',
        label: 'Forward to the competent authorities',
        hint: 'Signed forwarding records go to the recipients routing names, and the provider is told.',
        checked: values.decision === 'forwarded',
        commentHint: commentHintOf('forwarded'),
      }),
      ...UNFOUNDED_REASONS.map((reason, index) =>
        choice({
          name: 'decision',
          value: reason,
          key: String(index + 1),
          label: `Unfounded: ${UNFOUNDED_REASON_WORDS[reason].label}`,
          hint: `Standard comment: “${UNFOUNDED_REASON_WORDS[reason].sentence}”`,
          checked: values.decision === reason,
          commentHint: commentHintOf(reason),
        }),
      ),
    ),
    field({
      name: 'comment',
      label: 'Comment',
      multiline: true,
      value: values.comment,
      ...(errors['comment'] === undefined ? {} : { error: errors['comment'] }),
      hint: `Kept at the Centre, never sent to the provider. At most ${MAX_COMMENT_LENGTH} characters; line breaks become spaces.`,
      attributes: { maxlength: MAX_COMMENT_LENGTH },
    }),
    h('p', { class: 'notice default-comment', id: 'default-comment', 'aria-live': 'polite', 'data-default-comment-hint': '' }, commentHintOf(values.decision)),
    h(
      'div',
      { class: 'choice' },
      h('input', { type: 'checkbox', id: 'claim-next', name: 'claimNext', checked: values.claimNext }),
      h('label', { for: 'claim-next' }, 'Claim the next report after deciding'),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Record the decision'),
  );
}

/** The QA check of another reviewer's decision: agree (A) or disagree (D, with a comment: it reopens the decision). */
export function qaForm(session: ConsoleSession, reportId: string, values: QaValues, errors: FieldErrors): Child {
  return postForm(
    session,
    `/console/review/reports/${reportId}/qa`,
    { class: 'panel decision', 'aria-labelledby': 'qa-heading' },
    h('h2', { id: 'qa-heading' }, 'Check this decision'),
    keysHint('Keys: A to agree, D to disagree, then Enter (a disagreement needs a comment first).'),
    choiceGroup(
      'Your verdict on the decision',
      errors['verdict'],
      choice({ name: 'verdict', value: 'agree', key: 'a', label: 'Agree: the decision stands', checked: values.verdict === 'agree' }),
      choice({ name: 'verdict', value: 'disagree', key: 'd', label: 'Disagree: reopen it for another review', checked: values.verdict === 'disagree' }),
    ),
    field({
      name: 'comment',
      label: 'Comment',
      multiline: true,
      value: values.comment,
      ...(errors['comment'] === undefined ? {} : { error: errors['comment'] }),
      hint: `Required to disagree. At most ${MAX_COMMENT_LENGTH} characters; line breaks become spaces.`,
      attributes: { maxlength: MAX_COMMENT_LENGTH },
    }),
    h('button', { type: 'submit', class: 'primary' }, 'Record the check'),
  );
}
