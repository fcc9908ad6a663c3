import { WireError } from '../../../../shared/wire/errors.ts';
import { MAX_ORDER_SURFACES, MAX_ORDER_TARGETS } from '../../../../shared/wire/order.ts';
import { ApiError } from '../../../http/api-error.ts';
import { OrderBody, type OrderRegistration } from '../../../orders/order-body.ts';
import { OrderError } from '../../../orders/order-registry.ts';
import type { ConsoleSession } from '../../session-store.ts';
import { checkForm } from '../../forms.ts';
import { field, h, postForm, type Child } from '../../html.ts';

/** The register form's fields, as typed (kept on a refusal so nothing has to be typed again). */
export const ORDER_FORM_FIELDS = ['orderId', 'provider', 'issuingAuthority', 'memberState', 'legalReference', 'surfaces', 'users', 'groups', 'channels', 'notBefore', 'notAfter'] as const;
export type OrderFormField = (typeof ORDER_FORM_FIELDS)[number];
export type OrderFormValues = Readonly<Partial<Record<OrderFormField, string>>>;
export type OrderFormErrors = Readonly<Partial<Record<OrderFormField | 'targets' | 'form', string>>>;

/** The longest a typed field is kept and shown again: the form body is already capped at 64 KiB. */
const MAX_FIELD_CHARS = 64 * 1024;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const DATE_TIME_MESSAGE = 'enter a date and time in UTC, as 2026-11-01T09:30';

/**
 * What each field must hold, in a sentence for the person at the form: the
 * schema's own wording ("Invalid string: must match pattern ...") is for
 * API clients. The rules stay the schema's; only the words differ.
 */
const FIELD_SENTENCES: Readonly<Partial<Record<OrderFormField | 'targets', string>>> = {
  orderId: 'Give the order id as the court wrote it: 1 to 128 letters, digits and . _ : - (no spaces), starting with a letter or digit.',
  provider: 'Choose the provider the order is addressed to.',
  issuingAuthority: 'Name the court or authority that issued the order (up to 256 characters, no line breaks).',
  legalReference: 'Give the order’s file number or reference (up to 256 characters, no line breaks).',
  surfaces: `List 1 to ${MAX_ORDER_SURFACES} surface ids, one per line: letters, digits and . _ - (no spaces).`,
  users: 'User ids: one per line, each up to 128 characters with no spaces.',
  groups: 'Group ids: one per line, each up to 128 characters with no spaces.',
  channels: 'Channel ids: one per line, each up to 128 characters with no spaces.',
  targets: `Name at least one and at most ${MAX_ORDER_TARGETS} targets in all.`,
};
/** Zod's default wording, which a person should never have to read. */
const SCHEMA_WORDING = /^(Invalid|Too (small|big)|Expected|Unrecognized)/;

export function orderFormValues(form: URLSearchParams): OrderFormValues {
  const values: Partial<Record<OrderFormField, string>> = {};
  for (const name of ORDER_FORM_FIELDS) values[name] = (form.get(name) ?? '').slice(0, MAX_FIELD_CHARS);
  return values;
}

/** One entry per line, blank lines dropped. */
const linesOf = (text: string | undefined): string[] =>
  (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** A `datetime-local` value read as UTC; undefined when it is not one. */
function utcOf(text: string | undefined): number | undefined {
  const match = DATE_TIME.exec((text ?? '').trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number);
  const ms = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0, hour ?? 0, minute ?? 0);
  // Date.UTC rolls 2026-02-31 over into March: a date that does not exist is refused, not moved.
  return new Date(ms).toISOString().slice(0, 16) === (text ?? '').trim() ? ms : undefined;
}

export const utcInputOf = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

/**
 * The typed form as the body of POST /v1/orders, checked by the same schema
 * (OrderBody): the value, or one message per field. Only the form's own
 * shape (lines, date-time inputs) is read here; every rule is the schema's.
 */
export function checkOrderForm(values: OrderFormValues): { ok: true; value: OrderRegistration } | { ok: false; errors: OrderFormErrors } {
  const notBefore = utcOf(values.notBefore);
  const notAfter = utcOf(values.notAfter);
  const memberState = (values.memberState ?? '').trim();
  const body = {
    orderId: (values.orderId ?? '').trim(),
    issuingAuthority: (values.issuingAuthority ?? '').trim(),
    legalReference: (values.legalReference ?? '').trim(),
    provider: (values.provider ?? '').trim(),
    surfaces: linesOf(values.surfaces),
    targets: { users: linesOf(values.users), groups: linesOf(values.groups), channels: linesOf(values.channels) },
    notBefore: notBefore ?? 0,
    notAfter: notAfter ?? 0,
    ...(memberState === '' ? {} : { memberState }),
  };
  const checked = checkForm(OrderBody, body);
  const errors: Partial<Record<OrderFormField | 'targets' | 'form', string>> = {};
  if (!checked.ok) {
    for (const [name, message] of Object.entries(checked.errors)) {
      const known = [...ORDER_FORM_FIELDS, 'targets' as const].find((f) => f === name) ?? 'form';
      errors[known] = (SCHEMA_WORDING.test(message) && known !== 'form' ? FIELD_SENTENCES[known] : undefined) ?? message;
    }
  }
  if (notBefore === undefined) errors.notBefore = DATE_TIME_MESSAGE;
  if (notAfter === undefined) errors.notAfter = DATE_TIME_MESSAGE;
  if (checked.ok && Object.keys(errors).length === 0) return { ok: true, value: checked.value };
  return { ok: false, errors };
}

/**
 * A refusal of the registry as a message beside the field it is about:
 * the wire guard names the field (`order.notAfter ...`), the registry's
 * codes have one field each. Anything else is not the form's to show.
 */
export function refusalOnForm(err: unknown): OrderFormErrors | undefined {
  if (err instanceof WireError) {
    const named = /^order\.(\w+)(?:\.(\w+))?/.exec(err.message);
    const [, first, second] = named ?? [];
    const fieldName = first === 'targets' ? (second ?? 'targets') : (first ?? 'notAfter');
    return { [ORDER_FORM_FIELDS.find((f) => f === fieldName) ?? (fieldName === 'targets' ? 'targets' : 'form')]: err.message };
  }
  if (err instanceof OrderError) {
    const where = ({ ORDER_UNKNOWN_PROVIDER: 'provider', ORDER_ALREADY_LAPSED: 'notAfter', ORDER_LIMIT_REACHED: 'provider' } as const)[err.code];
    return { [where]: `${err.message} (${err.code})` };
  }
  if (err instanceof ApiError && err.code === 'CONFLICT') return { orderId: `${err.message} (CONFLICT)` };
  return undefined;
}

/** A select of the enabled provider accounts, labelled, with its message beside it. */
function providerSelect(providers: readonly string[], value: string | undefined, error: string | undefined): Child {
  const id = 'field-provider';
  return h(
    'div',
    { class: error === undefined ? 'field' : 'field invalid' },
    h('label', { for: id }, 'Provider'),
    h(
      'select',
      { id, name: 'provider', 'aria-invalid': error === undefined ? undefined : 'true', 'aria-describedby': error === undefined ? undefined : `${id}-error` },
      h('option', { value: '' }, 'Choose a provider'),
      ...providers.map((name) => h('option', { value: name, selected: name === value }, name)),
      // A name typed elsewhere (or a provider since disabled) is kept, so that its refusal shows beside it.
      value === undefined || value === '' || providers.includes(value) ? null : h('option', { value, selected: true }, value),
    ),
    error === undefined ? null : h('p', { class: 'error', id: `${id}-error` }, h('strong', {}, 'Error: '), error),
  );
}

/** The register form: every field labelled, its message beside it, what was typed kept. */
export function orderForm(session: ConsoleSession, providers: readonly string[], values: OrderFormValues, errors: OrderFormErrors): Child {
  const text = (name: OrderFormField, label: string, hint?: string, attributes: Record<string, unknown> = {}) =>
    field({ name, label, value: values[name] ?? '', error: errors[name], ...(hint === undefined ? {} : { hint }), attributes });
  const lines = (name: OrderFormField, label: string, hint: string) => field({ name, label, value: values[name] ?? '', error: errors[name], hint, multiline: true, attributes: { rows: 3 } });
  const invalid = Object.keys(errors).length;
  return postForm(
    session,
    '/console/orders',
    { class: 'order-form', novalidate: true },
    invalid === 0 ? null : h('div', { class: 'flash refused', role: 'alert' }, h('strong', {}, 'Not registered: '), `${invalid} field${invalid === 1 ? ' needs' : 's need'} correcting; each message is beside its field.`),
    errors.form === undefined ? null : h('p', { class: 'error' }, errors.form),
    text('orderId', 'Order id', 'As the court wrote it: letters, digits and . _ : - (no spaces)', { maxlength: 128, required: true }),
    providerSelect(providers, values.provider, errors.provider),
    text('issuingAuthority', 'Issuing authority', 'The court or authority that issued the order', { maxlength: 256, required: true }),
    text('memberState', 'Member State', 'Two capital letters (DE, FR, ...): forwarded reports go to its authority; leave empty to send them to Europol alone', { maxlength: 2 }),
    text('legalReference', 'Legal reference', 'The order’s file number or reference', { maxlength: 256, required: true }),
    lines('surfaces', 'Surfaces', 'One surface id per line, as the provider names them (public-posts, ...)'),
    h(
      'fieldset',
      { class: errors.targets === undefined ? 'targets' : 'targets invalid', 'aria-describedby': errors.targets === undefined ? undefined : 'targets-error' },
      h('legend', {}, `Targets: one id per line, at least one and at most ${MAX_ORDER_TARGETS.toLocaleString('en')} in all`),
      errors.targets === undefined ? null : h('p', { class: 'error', id: 'targets-error' }, h('strong', {}, 'Error: '), errors.targets),
      lines('users', 'Users', 'User ids'),
      lines('groups', 'Groups', 'Group ids'),
      lines('channels', 'Channels', 'Channel ids'),
    ),
    text('notBefore', 'In force from (UTC)', 'Inclusive', { type: 'datetime-local', required: true }),
    text('notAfter', 'In force until (UTC)', 'Exclusive; in the future, at most 731 days after the start', { type: 'datetime-local', required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Register order')),
  );
}
