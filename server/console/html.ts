import { Fragment, jsx } from 'hono/jsx';
import type { ConsoleSession } from './session-store.ts';

/**
 * Hono's JSX runtime, called directly: `h(tag, props, ...children)` is
 * exactly what a JSX compiler emits. The pages stay plain erasable
 * TypeScript, which Node's type stripping runs without a transpiler
 * (docs/ARCHITECTURE.md); escaping and components are hono/jsx's own.
 */
export const h = jsx;
export { Fragment };
export type Child = Parameters<typeof jsx>[2];

/** The hidden field every state-changing form carries (docs/CONSOLE.md, "Forms"). */
export const csrfField = (session: ConsoleSession): Child => h('input', { type: 'hidden', name: 'csrf', value: session.csrf });

/** A POST form with its CSRF field; `children` are its controls. */
export function postForm(session: ConsoleSession, action: string, props: Record<string, unknown>, ...children: Child[]): Child {
  return h('form', { method: 'post', action, ...props }, csrfField(session), ...children);
}

/** A labelled input with its validation message tied to it (aria-describedby), for field-level errors. */
export function field(options: {
  readonly name: string;
  readonly label: string;
  readonly value?: string;
  readonly error?: string;
  readonly hint?: string;
  readonly type?: string;
  readonly required?: boolean;
  readonly multiline?: boolean;
  readonly attributes?: Record<string, unknown>;
}): Child {
  const id = `field-${options.name}`;
  const described = [options.hint === undefined ? null : `${id}-hint`, options.error === undefined ? null : `${id}-error`].filter((x) => x !== null).join(' ');
  const control = options.multiline
    ? h('textarea', { id, name: options.name, required: options.required, 'aria-invalid': options.error === undefined ? undefined : 'true', 'aria-describedby': described || undefined, ...options.attributes }, options.value ?? '')
    : h('input', {
        id,
        name: options.name,
        type: options.type ?? 'text',
        value: options.value ?? '',
        required: options.required,
        'aria-invalid': options.error === undefined ? undefined : 'true',
        'aria-describedby': described || undefined,
        ...options.attributes,
      });
  return h(
    'div',
    { class: options.error === undefined ? 'field' : 'field invalid' },
    h('label', { for: id }, options.label),
    options.hint === undefined ? null : h('p', { class: 'hint', id: `${id}-hint` }, options.hint),
    control,
    options.error === undefined ? null : h('p', { class: 'error', id: `${id}-error` }, h('strong', {}, 'Error: '), options.error),
  );
}

/** A time for people: UTC, to the minute, in a <time> element carrying the exact instant. */
export function timeOf(ms: number | null | undefined): Child {
  if (ms === null || ms === undefined) return '—';
  const iso = new Date(ms).toISOString();
  return h('time', { datetime: iso }, `${iso.slice(0, 16).replace('T', ' ')} UTC`);
}
