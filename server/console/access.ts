import type { Role } from '../store/accounts.ts';

/** A console page: where it lives, its name in the navigation, and the only roles that may open it or post to it. */
export interface PageAccess {
  readonly path: `/${string}`;
  readonly label: string;
  readonly roles: readonly Role[];
}

/**
 * Which role may use which page (docs/CONSOLE.md, "Pages"): the one table.
 * The console mounts each page's routes behind its roles, and the
 * navigation shows a person only the pages of their role.
 */
export const PAGES: readonly PageAccess[] = [
  { path: '/review', label: 'Review queue', roles: ['reviewer'] },
  { path: '/indicators', label: 'Indicators', roles: ['operator'] },
  { path: '/publish', label: 'Publish', roles: ['operator'] },
  { path: '/orders', label: 'Orders', roles: ['operator'] },
  { path: '/providers', label: 'Providers', roles: ['operator'] },
  { path: '/inbox', label: 'Inbox', roles: ['authority', 'europol'] },
  { path: '/statistics', label: 'Statistics', roles: ['admin', 'authority', 'operator', 'reviewer', 'europol', 'auditor'] },
];

export function pageAccess(path: PageAccess['path']): PageAccess {
  const page = PAGES.find((p) => p.path === path);
  if (page === undefined) throw new Error(`no console page at ${path}`);
  return page;
}

/** The pages a role may open, in navigation order. */
export const pagesOf = (role: Role): PageAccess[] => PAGES.filter((page) => page.roles.includes(role));

/** Where a person lands after signing in: their role's first page. */
export const homeOf = (role: Role): string => `/console${pagesOf(role)[0]?.path ?? '/statistics'}`;
