import type { Hono } from 'hono';
import type { PageAccess } from '../access.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { inboxRoutes } from './inbox.ts';
import { ordersRoutes } from './orders.ts';
import { providersRoutes } from './providers.ts';
import { statisticsRoutes } from './statistics.ts';

/** Each page's routes, mounted at /console<path> behind that page's roles (access.ts). */
export const PAGE_ROUTES: readonly (readonly [PageAccess['path'], (deps: ConsoleDeps) => Hono<ConsoleEnv>])[] = [
  ['/orders', ordersRoutes],
  ['/providers', providersRoutes],
  ['/inbox', inboxRoutes],
  ['/statistics', statisticsRoutes],
];
