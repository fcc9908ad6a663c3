#!/usr/bin/env node
// The installed command: imports the TypeScript entry, with tsx's hooks
// first where Node does not strip types itself (shared/typescript-entry.js).
import { importTypeScript } from '../shared/typescript-entry.js';

await importTypeScript(new URL('./hashfeed.ts', import.meta.url));
