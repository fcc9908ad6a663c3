import { iso31661 } from 'iso-3166';

/**
 * Member State codes are ISO 3166-1 alpha-2 codes as officially assigned
 * (the `iso-3166` package's list, kept from the ISO Online Browsing
 * Platform): `DE`, `FR`, `GR` (ISO's code, not the EU's `EL`). Reserved and
 * user-assigned codes (`EU`, `XK`, `ZZ`) are refused, so a typo can never
 * create a Member State that no authority will ever match.
 */
const ASSIGNED = new Set<string>(iso31661.map((entry) => entry.alpha2));

export function isMemberState(value: unknown): value is string {
  return typeof value === 'string' && value.length === 2 && ASSIGNED.has(value);
}

/**
 * The account rule: an authority must name its Member State (routing needs
 * it) and no other role may carry one. The reason it is broken, or
 * undefined; POST /v1/accounts and `centre token create` both ask here.
 */
export function memberStateProblem(role: string, value: unknown): string | undefined {
  if (role !== 'authority') return value === undefined ? undefined : 'only an authority account has a Member State';
  if (value === undefined) return 'an authority account needs its Member State, an ISO 3166-1 alpha-2 code (DE, FR, ...)';
  if (!isMemberState(value)) return 'the Member State must be an assigned ISO 3166-1 alpha-2 code in capitals (DE, FR, ...)';
  return undefined;
}
