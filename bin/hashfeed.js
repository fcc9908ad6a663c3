#!/usr/bin/env node
// Global-install shim: load tsx's ESM hooks, then the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./hashfeed.ts');
