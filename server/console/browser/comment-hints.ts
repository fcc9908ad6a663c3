/**
 * Says, before a form is sent, what an empty comment will become: a radio
 * with `data-comment-hint="sentence"` writes its sentence into the form's
 * `[data-default-comment-hint]` when chosen, by mouse or by shortcut (the
 * review decision form: an unfounded reason's standard sentence). Without
 * the script the page lists every reason's sentence beside it.
 */
export function installCommentHints(doc: Document): void {
  doc.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'radio') return;
    const hint = input.dataset['commentHint'];
    const slot = input.form?.querySelector<HTMLElement>('[data-default-comment-hint]');
    if (hint === undefined || slot === null || slot === undefined) return;
    slot.textContent = hint;
  });
}
