/**
 * Keyboard shortcuts (docs/CONSOLE.md, "Keyboard"). An element with
 * `data-shortcut="k"` answers the key k when no text field has focus: a
 * radio or checkbox is chosen and focused, anything else is clicked. Enter
 * on a chosen radio submits its form, so a decision takes two keys. The
 * page works the same without them.
 */
export function installShortcuts(doc: Document): void {
  doc.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const active = doc.activeElement;
    if (event.key === 'Enter' && active instanceof HTMLInputElement && active.type === 'radio' && active.dataset['shortcut'] !== undefined) {
      event.preventDefault();
      active.form?.requestSubmit();
      return;
    }
    if (isTyping(active)) return;
    const target = [...doc.querySelectorAll<HTMLElement>('[data-shortcut]')].find((el) => el.dataset['shortcut'] === event.key && !isDisabled(el));
    if (target === undefined) return;
    event.preventDefault();
    if (target instanceof HTMLInputElement && (target.type === 'radio' || target.type === 'checkbox')) {
      target.checked = true;
      target.dispatchEvent(new Event('change', { bubbles: true }));
      target.focus();
    } else {
      target.click();
    }
  });
}

function isTyping(element: Element | null): boolean {
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return true;
  if (element instanceof HTMLInputElement) return !['radio', 'checkbox', 'button', 'submit', 'reset'].includes(element.type);
  return element instanceof HTMLElement && element.isContentEditable;
}

const isDisabled = (element: HTMLElement): boolean => (element instanceof HTMLButtonElement || element instanceof HTMLInputElement) && element.disabled;
