import type { Hono } from 'hono';
import type { PageAccess } from '../access.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { inboxRoutes } from './inbox.ts';
import { indicatorsRoutes } from './indicators.ts';
import { ordersRoutes } from './orders.ts';
import { providersRoutes } from './providers.ts';
import { publishRoutes } from './publish.ts';
import { reviewRoutes } from './review.ts';
import { statisticsRoutes } from './statistics.ts';

/** Each page's routes, mounted at /console<path> behind that page's roles (access.ts). */
export const PAGE_ROUTES: readonly (readonly [PageAccess['path'], (deps: ConsoleDeps) => Hono<ConsoleEnv>])[] = [
  ['/review', reviewRoutes],
  ['/indicators', indicatorsRoutes],
  ['/publish', publishRoutes],
  ['/orders', ordersRoutes],
  ['/providers', providersRoutes],
  ['/inbox', inboxRoutes],
  ['/statistics', statisticsRoutes],
];
