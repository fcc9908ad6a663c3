// A scan worker thread's entry: plain JavaScript, so that it starts where
// Node does not strip TypeScript types (shared/typescript-entry.js).
import { importTypeScript } from '../../shared/typescript-entry.js';

await importTypeScript(new URL('./scan-worker-thread.ts', import.meta.url));
