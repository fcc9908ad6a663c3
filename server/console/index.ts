export { consoleApp } from './console-app.ts';
export { PAGES, homeOf } from './access.ts';
export type { PageAccess } from './access.ts';
export { CONSOLE_ROLES } from './deps.ts';
export type { ConsoleDeps, ConsoleEnv } from './deps.ts';
export { DEFAULT_SESSION_LIMITS, SessionStore } from './session-store.ts';
export type { SessionLimits } from './session-store.ts';
export { MAX_CONSOLE_FORM_BYTES } from './forms.ts';
