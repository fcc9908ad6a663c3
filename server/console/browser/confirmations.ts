/**
 * A form with `data-confirm="sentence"` asks before it is sent (publishing,
 * ending an order). Without the script the same forms carry a required
 * confirmation checkbox, so nothing depends on this.
 */
export function installConfirmations(doc: Document): void {
  doc.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset['confirm'];
    if (question !== undefined && !window.confirm(question)) event.preventDefault();
  });
}
